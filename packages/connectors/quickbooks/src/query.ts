/**
 * Statements in the QuickBooks query language (developer.intuit.com → "Data queries"), built the
 * way node-quickbooks' `criteriaToString` builds them: `select * from <Entity> where <field>
 * <op> '<value>' [and …] orderby <field> startposition <n> maxresults <n>`, values single-quoted
 * with `\'` for a quote inside. MAXRESULTS is at most 1000; STARTPOSITION counts from 1.
 */
export interface Criterion {
  field: string;
  op: "=" | "<" | ">" | "<=" | ">=" | "IN";
  value: string | readonly string[];
}

export interface Statement {
  entity: string;
  /** `select count(*)`: QuickBooks answers `QueryResponse.totalCount` and no rows. */
  count?: boolean;
  where?: readonly Criterion[];
  orderBy?: string;
  startPosition?: number;
  maxResults?: number;
}

export const MAX_RESULTS = 1000;

export function quote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function criterion(c: Criterion): string {
  const value = typeof c.value === "string" ? quote(c.value) : `(${c.value.map(quote).join(",")})`;
  return `${c.field} ${c.op} ${value}`;
}

export function statement(s: Statement): string {
  const parts = [`select ${s.count ? "count(*)" : "*"} from ${s.entity}`];
  if (s.where?.length) parts.push(`where ${s.where.map(criterion).join(" and ")}`);
  if (s.orderBy) parts.push(`orderby ${s.orderBy}`);
  if (s.startPosition !== undefined) parts.push(`startposition ${s.startPosition}`);
  if (s.maxResults !== undefined) parts.push(`maxresults ${Math.min(s.maxResults, MAX_RESULTS)}`);
  return parts.join(" ");
}
