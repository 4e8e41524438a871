import { defineCheckpoint, mapRows as kitMapRows, type MappedRows } from "@regua/connector-kit";
import type { EntityName } from "@regua/core";
import { z } from "zod";
import { MappingError } from "./map.js";

/**
 * Where a listing resumes, stored by the kit's codec (a corrupt or foreign checkpoint is an
 * error naming the source, never a silent full resync):
 * - `full`: the whole entity by Id, `position` the next STARTPOSITION;
 * - `changes`: a paged query of what changed since `since` (when CDC's answer was full),
 *   `reconcile` asks for a full listing afterwards (deletions CDC may have cut off);
 * - `done`: finished; `max` is the newest LastUpdatedTime seen, the next CDC's changedSince.
 */
export const Cursor = z.object({
  phase: z.enum(["full", "changes", "done"]),
  since: z.string().nullable(),
  max: z.string().nullable(),
  position: z.number().int().min(1),
  reconcile: z.boolean().default(false),
});
export type Cursor = z.infer<typeof Cursor>;

export const checkpoint = defineCheckpoint({
  kind: "@regua/connector-quickbooks",
  version: 1,
  schema: Cursor,
});

export function later(a: string | null, b: string | null | undefined): string | null {
  if (!b) return a;
  if (!a) return b;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

/** Rows through the kit's mapRows, keyed by QuickBooks' `Id`; a MappingError rejects the row. */
export function mapRows<TRow extends { Id: string }, TOut>(
  rows: readonly unknown[],
  schema: z.ZodType<TRow>,
  map: (row: TRow) => TOut,
  entity: EntityName,
): MappedRows<TRow, TOut> {
  const isMappingError = (error: unknown) => error instanceof MappingError;
  return kitMapRows(rows, { schema, map, entity, idOf: (raw) => raw.Id, isMappingError });
}
