import { type RawBuilder, type SqlBool, sql } from "kysely";
import { arrayLiteral } from "./pg-array.js";
import type { Dialect } from "./schema.js";

/**
 * `column IN (values)` with the values bound as one parameter: an array on PostgreSQL
 * (`= any($1::text[])`), a JSON array on SQLite (`in (select value from json_each(?))`). Spelt
 * as a list of thousands of parameters (a plan batch's customer refs or phones), the statement
 * was compiled by Kysely, sent, parsed and planned afresh for every batch; with one parameter its
 * text never changes. The PostgreSQL array goes as a literal built by arrayLiteral: pg's own
 * conversion of a JS array took 0.12–0.18 s of CPU for a 1M-invoice plan's ref lists,
 * arrayLiteral 0.07 s.
 * https://www.postgresql.org/docs/current/functions-comparisons.html#FUNCTIONS-COMPARISONS-ANY-SOME
 * · https://www.sqlite.org/json1.html#jeach
 */
export function inList(dialect: Dialect, column: string, values: readonly string[]): RawBuilder<SqlBool> {
  return dialect === "postgres"
    ? sql<SqlBool>`${sql.ref(column)} = any(${arrayLiteral(values)}::text[])`
    : sql<SqlBool>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(values)}))`;
}
