import { z } from "zod";
import type { IxcRow } from "./data.js";

/**
 * IXC's grid query, the body every `ixcsoft: listar` request carries: one filter in
 * qtype/query/oper, more in `grid_param` (a JSON string of `[{TB, OP, P}]`), a sort column and
 * page/rp paging. Clients send every value as a string ("page": "1", "rp": "20").
 */
export const GridQuery = z.object({
  qtype: z.string().default(""),
  query: z.coerce.string().default(""),
  oper: z.string().default("="),
  page: z.coerce.number().int().min(1).default(1),
  rp: z.coerce.number().int().min(1).max(100_000).default(20),
  sortname: z.string().default(""),
  sortorder: z.enum(["asc", "desc"]).default("asc"),
  grid_param: z.string().optional(),
});
export type GridQuery = z.infer<typeof GridQuery>;

const GridParam = z.array(z.object({ TB: z.string(), OP: z.string().default("="), P: z.coerce.string() }));

interface Filter {
  field: string;
  op: string;
  value: string;
}

/** An error IXC reports inside a 200 answer: `{type: "error", message}`. */
export class GridError extends Error {}

const NUMERIC = /^-?\d+(\.\d+)?$/;

function compare(a: string, b: string): number {
  if (NUMERIC.test(a) && NUMERIC.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function matches(row: IxcRow, filter: Filter): boolean {
  const actual = row[filter.field] ?? "";
  const c = compare(actual, filter.value);
  switch (filter.op) {
    case "=":
      return c === 0;
    case "!=":
      return c !== 0;
    case ">":
      return c > 0;
    case ">=":
      return c >= 0;
    case "<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "L":
      return actual.toLowerCase().includes(filter.value.toLowerCase());
    case "IN":
      return filter.value.split(",").includes(actual);
    default:
      throw new GridError(`Operador inválido: ${filter.op}`);
  }
}

/** "fn_areceber.status" → "status", refusing a column the table does not have. */
function column(table: string, qualified: string, sample: IxcRow | undefined, known: Set<string>): string {
  const name = qualified.startsWith(`${table}.`) ? qualified.slice(table.length + 1) : qualified;
  if (!known.has(name) && sample !== undefined) {
    throw new GridError(`Campo ${qualified} não encontrado na tabela ${table}`);
  }
  return name;
}

function filtersOf(table: string, query: GridQuery, rows: IxcRow[], known: Set<string>): Filter[] {
  const filters: Filter[] = [];
  if (query.qtype !== "" && query.query !== "") {
    filters.push({ field: column(table, query.qtype, rows[0], known), op: query.oper, value: query.query });
  }
  if (query.grid_param) {
    let params: z.infer<typeof GridParam>;
    try {
      params = GridParam.parse(JSON.parse(query.grid_param));
    } catch {
      throw new GridError("grid_param inválido");
    }
    for (const p of params)
      filters.push({ field: column(table, p.TB, rows[0], known), op: p.OP, value: p.P });
  }
  return filters;
}

/** The grid's answer: `{page, total, registros}`, numbers as strings; no `registros` when empty. */
export function runGrid(table: string, rows: IxcRow[], query: GridQuery) {
  // Every row of a table has the same columns (as in IXC's MySQL tables).
  const known = new Set(Object.keys(rows[0] ?? {}));
  const filters = filtersOf(table, query, rows, known);
  const sortField = query.sortname ? column(table, query.sortname, rows[0], known) : "id";
  const direction = query.sortorder === "desc" ? -1 : 1;
  const matching = rows
    .filter((row) => filters.every((f) => matches(row, f)))
    .sort(
      (a, b) =>
        direction * compare(a[sortField] ?? "", b[sortField] ?? "") || compare(a.id ?? "", b.id ?? ""),
    );
  const start = (query.page - 1) * query.rp;
  const registros = matching.slice(start, start + query.rp).map((row) => ({ ...row }));
  const answer = { page: String(query.page), total: String(matching.length) };
  return registros.length > 0 ? { ...answer, registros } : answer;
}
