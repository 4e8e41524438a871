import { defineCheckpoint, type PageStrategy } from "@regua/connector-kit";
import type { EntityName, RecordReject } from "@regua/core";
import { z } from "zod";

/** One `grid_param` filter: table.column, operator, value — IXC's `{TB, OP, P}`. */
export interface GridFilter {
  TB: string;
  OP: "=" | "!=" | ">" | ">=" | "<" | "<=" | "L";
  P: string;
}

/**
 * Where a listing resumes: keyset paging on the change stamp. `stamp` is the newest
 * ultima_atualizacao listed, `seen` the ids already listed at exactly that stamp, `page` the grid
 * page inside a run of rows that all share `stamp` (only then does the page number move).
 * Asking `stamp >= S` from page 1 again, instead of walking page numbers, means a row edited
 * during the sync moves behind the cursor and is listed later — never skipped because the rows
 * before the offset shifted.
 */
export const KeysetCursor = z.object({
  stamp: z.string().nullable(),
  page: z.number().int().min(1),
  seen: z.array(z.string()),
});
export type KeysetCursor = z.infer<typeof KeysetCursor>;

export const START: KeysetCursor = { stamp: null, page: 1, seen: [] };

export const checkpoint = defineCheckpoint({
  kind: "@regua/connector-ixc",
  version: 1,
  schema: KeysetCursor,
});

/** What one keyset listing reads: a table, its change column, extra filters, the page size. */
export interface GridListing {
  table: string;
  changeField: string;
  rp: number;
  filters: readonly GridFilter[];
}

type Row = Record<string, unknown>;
const idOf = (row: Row) => String(row.id ?? "");

/**
 * The grid request for a cursor (IXC webservice, `ixcsoft: listar`): every value a string,
 * the change filter in grid_param beside the listing's own filters, sorted by the change stamp.
 */
export function gridBody(listing: GridListing, cursor: KeysetCursor): Record<string, string> {
  const field = `${listing.table}.${listing.changeField}`;
  const filters = [...listing.filters, ...(cursor.stamp ? [{ TB: field, OP: ">=", P: cursor.stamp }] : [])];
  return {
    qtype: `${listing.table}.id`,
    query: "0",
    oper: ">",
    page: String(cursor.page),
    rp: String(listing.rp),
    sortname: field,
    sortorder: "asc",
    ...(filters.length > 0 ? { grid_param: JSON.stringify(filters) } : {}),
  };
}

/** The cursor after a page of rows (read in stamp order). */
export function advance(listing: GridListing, cursor: KeysetCursor, rows: readonly Row[]): KeysetCursor {
  const stampOf = (row: Row) => String(row[listing.changeField] ?? "");
  let max = cursor.stamp ?? "";
  for (const row of rows) if (stampOf(row) > max) max = stampOf(row);
  if (rows.length > 0 && (cursor.stamp === null || max > cursor.stamp)) {
    return { stamp: max, page: 1, seen: rows.filter((row) => stampOf(row) === max).map(idOf) };
  }
  // Every row shared the cursor's stamp: the next grid page of that same run.
  return { stamp: cursor.stamp, page: cursor.page + 1, seen: [...cursor.seen, ...rows.map(idOf)] };
}

/** The cursor a finished listing leaves: the next incremental run starts at its newest stamp. */
export function finish(listing: GridListing, cursor: KeysetCursor, rows: readonly Row[]): KeysetCursor {
  return { ...advance(listing, cursor, rows), page: 1 };
}

/** The rows of a page not listed before (those at the cursor's stamp it already holds). */
export function unseen(listing: GridListing, cursor: KeysetCursor, rows: readonly Row[]): Row[] {
  if (cursor.stamp === null || cursor.seen.length === 0) return [...rows];
  const seen = new Set(cursor.seen);
  return rows.filter(
    (row) => !(String(row[listing.changeField] ?? "") === cursor.stamp && seen.has(idOf(row))),
  );
}

/** The kit's page strategy for a keyset listing: the body per cursor, the next cursor per page. */
export function keysetStrategy(listing: GridListing): PageStrategy<KeysetCursor> {
  return {
    request: (cursor) => ({ data: gridBody(listing, cursor ?? START) }),
    next: ({ items, token }) =>
      items.length < listing.rp ? null : advance(listing, token ?? START, items as Row[]),
  };
}

/** A row that did not map, named by its IXC id. */
export function reject(entity: EntityName, raw: unknown, error: string): RecordReject {
  const id = (raw as Row | null)?.id;
  return { entity, externalId: id === undefined ? "(no id)" : String(id), error, raw };
}

/** A cursor at the newest stamp among rows read in any order (the full run's contracts). */
export function newestSeen(listing: GridListing, cursor: KeysetCursor, rows: readonly Row[]): KeysetCursor {
  let { stamp } = cursor;
  let seen = [...cursor.seen];
  for (const row of rows) {
    const rowStamp = String(row[listing.changeField] ?? "");
    if (stamp === null || rowStamp > stamp) {
      stamp = rowStamp;
      seen = [idOf(row)];
    } else if (rowStamp === stamp && !seen.includes(idOf(row))) {
      seen.push(idOf(row));
    }
  }
  return { stamp, page: 1, seen };
}
