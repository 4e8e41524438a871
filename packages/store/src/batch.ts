/** Rows per INSERT or IN list: well under SQLite's 32,766 and PostgreSQL's 65,535 bound parameters. */
export const ROWS_PER_STATEMENT = 500;

export function chunks<T>(items: readonly T[], size = ROWS_PER_STATEMENT): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function groupBySource<T extends { source: string }>(records: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const record of records) {
    const group = groups.get(record.source);
    if (group) group.push(record);
    else groups.set(record.source, [record]);
  }
  return groups;
}

export const recordKey = (source: string, externalId: string): string => `${source}\u0000${externalId}`;
