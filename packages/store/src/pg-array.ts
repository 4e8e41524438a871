/** Characters that must be escaped inside a quoted array element. */
const NEEDS_ESCAPE = /["\\]/;
const ESCAPED = /["\\]/g;

function arrayElement(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "NULL";
  const text = String(value);
  return NEEDS_ESCAPE.test(text) ? `"${text.replace(ESCAPED, "\\$&")}"` : `"${text}"`;
}

/**
 * A PostgreSQL array literal (`{"a","b\"c",NULL}`), to bind as one text parameter and cast
 * (`$1::text[]`). pg builds the same literal from a JS array with a type check and two regex
 * replaces per element; over a plan's 210k actions × 16 columns that was ~1.2 s of the bench
 * process (bench/plan.ts, --cpu-prof). Every element is quoted, so empty strings, commas, braces,
 * blanks and the word NULL need nothing more; only a quote or a backslash is escaped.
 * https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
 */
export function arrayLiteral(values: readonly (string | number | null | undefined)[]): string {
  // Most lists (refs, instants, step ids) hold no NULL, quote or backslash: then the literal is
  // the values joined between quotes, two native joins instead of a string per element (half the
  // time of a plan's 210k-action insert literals).
  if (!values.includes(null) && !values.includes(undefined) && !NEEDS_ESCAPE.test(values.join("")))
    return `{"${values.join('","')}"}`;
  return `{${values.map(arrayElement).join(",")}}`;
}
