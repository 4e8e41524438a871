import { defineCheckpoint, mapRows as kitMapRows, type MappedRows } from "@regua/connector-kit";
import type { EntityName } from "@regua/core";
import { z } from "zod";
import { OdooDatetime } from "./schemas.js";

/**
 * Where a listing stands: the write_date of the last records read and the ids read at that
 * second. Paging is by key, not by offset: `write_date >= stamp` minus the ids already read at
 * that second, ordered "write_date asc, id asc". An offset would skip a record whenever one read
 * earlier in the run is edited meanwhile (it moves to the end and everything after it shifts
 * down); the key cannot. Odoo keeps write_date to the microsecond but reads it to the second, so
 * the ids, not a strict ">", break ties inside a second.
 */
export const Keyset = z.object({ stamp: OdooDatetime, ids: z.array(z.number().int()) });
export type Keyset = z.infer<typeof Keyset>;

/**
 * A listing's checkpoint: the keyset, and whether the run finished. A finished run's next start
 * re-reads the records of its last second (ids dropped): one edited again within that second
 * still shows the same stamp, and upserts are idempotent.
 */
export const ListCheckpoint = z.object({ keyset: Keyset.nullable(), done: z.boolean() });
export type ListCheckpoint = z.infer<typeof ListCheckpoint>;

export const checkpoint = defineCheckpoint({
  kind: "@regua/connector-odoo",
  version: 1,
  schema: ListCheckpoint,
});

/** The keyset to start from: a finished run restarts at its last second with no ids excluded. */
export function startingKeyset(text: string | null | undefined, where: string): Keyset | null {
  const saved = checkpoint.decode(text, where);
  if (!saved?.keyset) return null;
  return saved.done ? { stamp: saved.keyset.stamp, ids: [] } : saved.keyset;
}

/** The domain leaves that continue after the keyset (implicitly and-ed with the listing's own). */
export function afterKeyset(keyset: Keyset | null): unknown[] {
  if (!keyset) return [];
  const leaves: unknown[] = [["write_date", ">=", keyset.stamp]];
  if (keyset.ids.length) leaves.push(["id", "not in", keyset.ids]);
  return leaves;
}

/** The keyset after a page: its last stamp, with the ids read at that stamp (this page's and before). */
export function advance(keyset: Keyset | null, rows: readonly unknown[]): Keyset | null {
  let out = keyset;
  for (const row of rows) {
    const { id, write_date: stamp } = (row ?? {}) as { id?: unknown; write_date?: unknown };
    if (typeof id !== "number" || typeof stamp !== "string") continue;
    out = out && out.stamp === stamp ? { stamp, ids: [...out.ids, id] } : { stamp, ids: [id] };
  }
  return out;
}

/** Rows through the kit's mapRows (Odoo's `id`); a ValidationError from the mapper rejects the row. */
export function mapRows<TRow, TOut>(
  rows: readonly unknown[],
  schema: z.ZodType<TRow>,
  map: (row: TRow) => TOut,
  entity: EntityName,
): MappedRows<TRow, TOut> {
  return kitMapRows(rows, { schema, map, entity });
}
