/**
 * The subset of the QuickBooks Online query language régua uses (Intuit: "Data queries"):
 *
 *   SELECT * | COUNT(*) | Id FROM <Entity>
 *     [WHERE <field> <op> <value> [AND <field> <op> <value>]...]
 *     [ORDERBY <field> [ASC|DESC]] [STARTPOSITION <n>] [MAXRESULTS <n>]
 *
 * Operators =, <, >, <=, >=, IN ('a','b'), LIKE '%x%'. Keywords are case-insensitive, entity
 * names too; values are quoted with single quotes ('' or \' escapes a quote) or bare numbers,
 * booleans. MAXRESULTS above 1000 is refused, as the service refuses it. There is no OR, as
 * in the real grammar.
 */
export interface Condition {
  field: string;
  op: "=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE";
  values: (string | number | boolean)[];
}

export interface ParsedQuery {
  entity: string;
  count: boolean;
  where: Condition[];
  orderBy: { field: string; desc: boolean } | null;
  startPosition: number;
  maxResults: number;
}

export class QueryError extends Error {}

const MAX_RESULTS = 1000;

/** Splits the statement into words, quoted strings, parentheses and commas. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*('(?:[^'\\]|\\.|'')*'|<=|>=|[=<>(),*]|[^\s=<>(),']+)/gy;
  let match: RegExpExecArray | null;
  let at = 0;
  for (;;) {
    re.lastIndex = at;
    match = re.exec(text);
    if (!match) break;
    tokens.push(match[1] as string);
    at = re.lastIndex;
  }
  if (text.slice(at).trim() !== "") throw new QueryError(`cannot read the query near "${text.slice(at)}"`);
  return tokens;
}

function literal(token: string | undefined): string | number | boolean {
  if (token === undefined) throw new QueryError("a value is missing");
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\'|''/g, "'");
  if (/^(true|false)$/i.test(token)) return token.toLowerCase() === "true";
  const n = Number(token);
  if (Number.isNaN(n)) throw new QueryError(`"${token}" is not a value`);
  return n;
}

class Reader {
  private at = 0;
  constructor(private readonly tokens: string[]) {}
  peek(): string | undefined {
    return this.tokens[this.at];
  }
  next(): string | undefined {
    return this.tokens[this.at++];
  }
  keyword(word: string): boolean {
    if (this.peek()?.toUpperCase() !== word) return false;
    this.at++;
    return true;
  }
  expect(word: string): void {
    if (!this.keyword(word)) throw new QueryError(`expected ${word} but found "${this.peek() ?? "end"}"`);
  }
}

function readCondition(r: Reader): Condition {
  const field = r.next();
  if (!field || !/^[A-Za-z][\w.]*$/.test(field)) throw new QueryError(`"${field}" is not a field`);
  const op = r.next()?.toUpperCase();
  if (op === "IN") {
    r.expect("(");
    const values: (string | number | boolean)[] = [];
    for (;;) {
      values.push(literal(r.next()));
      const sep = r.next();
      if (sep === ")") break;
      if (sep !== ",") throw new QueryError("IN list is not closed");
    }
    return { field, op, values };
  }
  if (op === "=" || op === "<" || op === ">" || op === "<=" || op === ">=" || op === "LIKE") {
    return { field, op, values: [literal(r.next())] };
  }
  throw new QueryError(`operator "${op}" is not supported`);
}

function positiveInt(token: string | undefined, what: string): number {
  const n = Number(token);
  if (!Number.isInteger(n) || n < 1) throw new QueryError(`${what} must be a positive integer`);
  return n;
}

export function parseQuery(text: string): ParsedQuery {
  const r = new Reader(tokenize(text.trim()));
  r.expect("SELECT");
  let count = false;
  if (r.keyword("COUNT")) {
    r.expect("(");
    r.expect("*");
    r.expect(")");
    count = true;
  } else if (!r.keyword("*")) {
    // A field list ("select Id from …") answers the same objects here.
    while (r.peek() && r.peek()?.toUpperCase() !== "FROM") r.next();
  }
  r.expect("FROM");
  const entity = r.next();
  if (!entity) throw new QueryError("the entity is missing");
  const query: ParsedQuery = { entity, count, where: [], orderBy: null, startPosition: 1, maxResults: 100 };
  if (r.keyword("WHERE")) {
    do query.where.push(readCondition(r));
    while (r.keyword("AND"));
  }
  if (r.keyword("ORDERBY")) {
    const field = r.next() ?? "";
    const desc = r.keyword("DESC");
    if (!desc) r.keyword("ASC");
    query.orderBy = { field, desc };
  }
  if (r.keyword("STARTPOSITION")) query.startPosition = positiveInt(r.next(), "STARTPOSITION");
  if (r.keyword("MAXRESULTS")) query.maxResults = positiveInt(r.next(), "MAXRESULTS");
  if (query.maxResults > MAX_RESULTS) throw new QueryError(`MAXRESULTS must be at most ${MAX_RESULTS}`);
  if (r.peek() !== undefined) throw new QueryError(`unexpected "${r.peek()}"`);
  return query;
}

/** A field by dotted path (MetaData.LastUpdatedTime, CustomerRef → its value). */
export function fieldOf(row: object, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    const key = Object.keys(value).find((k) => k.toLowerCase() === part.toLowerCase());
    value = key === undefined ? undefined : (value as Record<string, unknown>)[key];
  }
  if (value !== null && typeof value === "object" && "value" in value)
    return (value as { value: unknown }).value;
  return value;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Compares as numbers, timestamps (by instant) or text, as the service does for the field type. */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" || typeof b === "number") {
    const x = Number(a);
    const y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  }
  const sa = String(a);
  const sb = String(b);
  if (TIMESTAMP.test(sa) && TIMESTAMP.test(sb)) return Date.parse(sa) - Date.parse(sb);
  if (/^\d+$/.test(sa) && /^\d+$/.test(sb)) return Number(sa) - Number(sb); // Ids sort as numbers
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function matches(row: object, c: Condition): boolean {
  const value = fieldOf(row, c.field);
  if (value === undefined) return false;
  const [first] = c.values;
  switch (c.op) {
    case "=":
      return compare(value, first) === 0;
    case "<":
      return compare(value, first) < 0;
    case ">":
      return compare(value, first) > 0;
    case "<=":
      return compare(value, first) <= 0;
    case ">=":
      return compare(value, first) >= 0;
    case "IN":
      return c.values.some((v) => compare(value, v) === 0);
    case "LIKE": {
      const pattern = String(first)
        .split("%")
        .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*");
      return new RegExp(`^${pattern}$`, "i").test(String(value));
    }
  }
}

/** A field's value as it sorts: numbers and Ids as numbers, timestamps by instant, else text. */
function sortKey(value: unknown): number | string {
  if (typeof value === "number") return value;
  const text = String(value ?? "");
  if (/^\d+$/.test(text)) return Number(text);
  if (TIMESTAMP.test(text)) return Date.parse(text);
  return text;
}

function byKey(a: number | string, b: number | string): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * `rows` as they are when every Id is numeric and they are in ascending Id order (as the fake keeps
 * them), or null: the usual `orderby Id` listing then skips keying and sorting the whole entity
 * for each page, work that kept the fake's event loop busy long enough to skew its rate windows.
 */
function idOrder<T extends object>(rows: readonly T[]): T[] | null {
  let previous = -1;
  for (const row of rows) {
    const id = (row as { Id?: unknown }).Id;
    if (typeof id !== "string" || !/^\d+$/.test(id)) return null;
    const n = Number(id);
    if (!(n > previous)) return null;
    previous = n;
  }
  return [...rows];
}

/** Filters and orders `rows` (Id ascending when no ORDERBY, the service's default), ties by Id. */
export function runQuery<T extends object>(rows: readonly T[], query: ParsedQuery): T[] {
  const order = query.orderBy ?? { field: "Id", desc: false };
  const sign = order.desc ? -1 : 1;
  if (query.where.length === 0 && order.field.toLowerCase() === "id") {
    const byId = idOrder(rows);
    if (byId) return order.desc ? byId.reverse() : byId;
  }
  const entries = rows
    .filter((row) => query.where.every((c) => matches(row, c)))
    .map((row) => ({ row, key: sortKey(fieldOf(row, order.field)), id: sortKey(fieldOf(row, "Id")) }));
  const compare = (a: (typeof entries)[number], b: (typeof entries)[number]) =>
    sign * byKey(a.key, b.key) || byKey(a.id, b.id);
  // Rows are kept in Id order, so most queries are already sorted: checking is O(n), sorting 50,000
  // rows for every page kept the fake's event loop busy long enough to skew its own rate windows.
  const sorted = entries.every((entry, i) => i === 0 || compare(entries[i - 1] as typeof entry, entry) <= 0);
  if (!sorted) entries.sort(compare);
  return entries.map((entry) => entry.row);
}
