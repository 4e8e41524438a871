import type { OdooRecord, OdooValue } from "./records.js";

/**
 * Odoo search domains as the ORM evaluates them (odoo/osv/expression.py): a list in Polish
 * notation of leaves `[field, operator, value]` and the operators "&", "|", "!", with an implicit
 * "&" between consecutive terms. A many2one compares by id. Unknown fields raise Odoo's
 * ValueError("Invalid field ... in leaf ...").
 */
export class DomainError extends Error {}

type Leaf = [string, string, OdooValue];
type Term = Leaf | "&" | "|" | "!";

function isLeaf(term: unknown): term is Leaf {
  return (
    Array.isArray(term) && term.length === 3 && typeof term[0] === "string" && typeof term[1] === "string"
  );
}

function scalar(value: OdooValue | undefined): OdooValue | undefined {
  // many2one [id, name] compares as its id; false stays false.
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "number" ? value[0] : value;
}

function like(haystack: OdooValue | undefined, needle: OdooValue, insensitive: boolean): boolean {
  if (typeof haystack !== "string" || typeof needle !== "string") return false;
  return insensitive ? haystack.toLowerCase().includes(needle.toLowerCase()) : haystack.includes(needle);
}

function compare(left: OdooValue | undefined, operator: string, right: OdooValue): boolean {
  const value = scalar(left);
  switch (operator) {
    case "=":
      return right === false ? value === false || value === undefined || value === null : value === right;
    case "!=":
      return right === false ? !(value === false || value === undefined || value === null) : value !== right;
    case ">":
    case ">=":
    case "<":
    case "<=": {
      if (value === false || value === undefined || value === null) return false;
      const a = value as string | number;
      const b = right as string | number;
      return operator === ">" ? a > b : operator === ">=" ? a >= b : operator === "<" ? a < b : a <= b;
    }
    case "ilike":
      return like(value, right, true);
    case "like":
      return like(value, right, false);
    case "not ilike":
      return !like(value, right, true);
    default:
      throw new DomainError(`Invalid leaf ${JSON.stringify([operator, right])}`);
  }
}

/** "in" / "not in" with the list as a Set (a page's ids against 150,000 lines). */
function membership(field: string, operator: string, right: OdooValue): (record: OdooRecord) => boolean {
  const list = new Set<OdooValue>(Array.isArray(right) ? right : [right]);
  const negate = operator === "not in";
  return (record) => {
    const left = record[field];
    // x2many fields hold a list of ids: "in" matches when one of them is listed.
    const values =
      Array.isArray(left) && !(left.length === 2 && typeof left[1] === "string") ? left : [scalar(left)];
    const hit = values.some((v) => list.has(v as OdooValue));
    return negate ? !hit : hit;
  };
}

function leafPredicate([field, operator, right]: Leaf): (record: OdooRecord) => boolean {
  if (operator === "in" || operator === "not in") return membership(field, operator, right);
  return (record) => compare(record[field], operator, right);
}

/** A predicate for the domain over records of `model` whose fields are `known`. */
export function compileDomain(
  domain: unknown,
  model: string,
  known: ReadonlySet<string>,
): (record: OdooRecord) => boolean {
  if (!Array.isArray(domain)) throw new DomainError(`Invalid domain ${JSON.stringify(domain)}`);
  const terms = domain as Term[];
  for (const term of terms) {
    if (isLeaf(term)) {
      const field = term[0].split(".")[0] ?? term[0];
      if (!known.has(field) && field !== "id") {
        throw new DomainError(`Invalid field ${model}.${term[0]} in leaf ${JSON.stringify(term)}`);
      }
    } else if (term !== "&" && term !== "|" && term !== "!") {
      throw new DomainError(`Invalid leaf ${JSON.stringify(term)}`);
    }
  }
  const predicates = terms.map((term) => (isLeaf(term) ? leafPredicate(term) : null));
  return (record) => {
    let index = 0;
    const evaluate = (): boolean => {
      const at = index++;
      const term = terms[at];
      if (term === "&" || term === "|") {
        // Both operands are always consumed, whatever the first one gave.
        const a = evaluate();
        const b = evaluate();
        return term === "&" ? a && b : a || b;
      }
      if (term === "!") return !evaluate();
      return predicates[at]?.(record) ?? false;
    };
    let result = true;
    while (index < terms.length) result = evaluate() && result;
    return result;
  };
}

/** "write_date asc, id asc" → a comparator; Odoo's default order is "id". */
export function compileOrder(
  order: unknown,
  known: ReadonlySet<string>,
): (a: OdooRecord, b: OdooRecord) => number {
  const text = typeof order === "string" && order.trim() !== "" ? order : "id";
  const keys = text.split(",").map((part) => {
    const [field = "id", direction = "asc"] = part.trim().split(/\s+/);
    if (field !== "id" && !known.has(field)) throw new DomainError(`Invalid "order" specified (${text})`);
    return { field, sign: direction.toLowerCase() === "desc" ? -1 : 1 };
  });
  return (a, b) => {
    for (const { field, sign } of keys) {
      const x = scalar(a[field]) as string | number;
      const y = scalar(b[field]) as string | number;
      if (x === y) continue;
      return (x < y ? -1 : 1) * sign;
    }
    return 0;
  };
}
