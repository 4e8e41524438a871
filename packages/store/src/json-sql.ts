import { type Expression, type RawBuilder, type SqlBool, sql } from "kysely";
import type { Dialect } from "./schema.js";

/**
 * "This JSON array of strings (a text column) contains that string", in each dialect's own JSON
 * functions. Used on a customer's few actions (after the (source, customer_ref) index), so no
 * index on the JSON is needed.
 * https://www.sqlite.org/json1.html#jeach · https://www.postgresql.org/docs/current/functions-json.html
 */
export function jsonArrayContains(
  dialect: Dialect,
  arrayColumn: Expression<string>,
  value: Expression<string>,
): RawBuilder<SqlBool> {
  return dialect === "sqlite"
    ? sql<SqlBool>`exists (select 1 from json_each(${arrayColumn}) where json_each.value = ${value})`
    : sql<SqlBool>`(${arrayColumn})::jsonb @> jsonb_build_array(${value}::text)`;
}
