import { defineCheckpoint, mapRows as kitMapRows, type MappedRows } from "@regua/connector-kit";
import type { EntityName } from "@regua/core";
import { z } from "zod";
import { MappingError, type Stamp } from "./map.js";

/**
 * Checkpoints: where a listing resumes, declared with zod and stored by the kit's codec (a
 * corrupt or foreign one is an error naming the source, never a silent full resync).
 * `since` is the change stamp this run started from, `max` the latest stamp seen so far, `next`
 * the Service Layer's next link inside the current phase. A finished run's checkpoint has phase
 * "done"; resuming from it lists changes since `max`.
 */
const StampSchema = z.object({ date: z.string(), time: z.string() });

export const StampCursor = z.object({
  kind: z.literal("stamp"),
  since: StampSchema.nullable(),
  max: StampSchema.nullable(),
  phase: z.enum(["main", "credits", "done"]),
  next: z.string().nullable(),
});
export type StampCursor = z.infer<typeof StampCursor>;

export const KeyCursor = z.object({
  kind: z.literal("key"),
  /** Highest DocEntry seen: incoming payments have no update stamp, only an increasing key. */
  after: z.number().int().nullable(),
  next: z.string().nullable(),
});
export type KeyCursor = z.infer<typeof KeyCursor>;

const CHECKPOINT_KIND = "@regua/connector-sap-b1";
export const stampCheckpoint = defineCheckpoint({ kind: CHECKPOINT_KIND, version: 1, schema: StampCursor });
export const keyCheckpoint = defineCheckpoint({ kind: CHECKPOINT_KIND, version: 1, schema: KeyCursor });

/**
 * `$filter` for "changed at or after this stamp". `ge` on the time re-reads the records of the
 * last second (upserts are idempotent) instead of missing ones written in the same second.
 * v1 writes Edm.DateTime / Edm.Time literals quoted; v2 writes Edm.DateTimeOffset and
 * Edm.TimeOfDay literals bare (SAPB1-v1.edmx / SAPB1-v2.edmx, UpdateDate and UpdateTime).
 */
export function changedSince(stamp: Stamp, version: "v1" | "v2"): string {
  const date = version === "v1" ? `'${stamp.date}'` : `${stamp.date}T00:00:00Z`;
  const time = version === "v1" ? `'${stamp.time}'` : stamp.time;
  return `(UpdateDate gt ${date} or (UpdateDate eq ${date} and UpdateTime ge ${time}))`;
}

/** One page of Service Layer rows through the kit's mapRows; a MappingError rejects the row. */
export function mapRows<TRow, TOut>(
  rows: readonly unknown[],
  schema: z.ZodType<TRow>,
  map: (row: TRow) => TOut,
  entity: EntityName,
  keyOf: (raw: Record<string, unknown>) => unknown,
  accepts?: (raw: unknown) => raw is TRow,
): MappedRows<TRow, TOut> {
  const isMappingError = (error: unknown) => error instanceof MappingError;
  return kitMapRows(rows, {
    schema,
    map,
    entity,
    idOf: keyOf,
    isMappingError,
    ...(accepts ? { accepts } : {}),
  });
}
