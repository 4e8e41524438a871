import { defineCheckpoint } from "@regua/connector-kit";
import type { EntityName, Page, RecordReject } from "@regua/core";
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

/** Parses and maps rows; a row that fails becomes a reject naming its Id and field. */
export function mapRows<TRow extends { Id: string }, TOut>(
  rows: readonly unknown[],
  schema: z.ZodType<TRow>,
  map: (row: TRow) => TOut,
  entity: EntityName,
): { items: TOut[]; rejects: RecordReject[]; parsed: TRow[] } {
  const items: TOut[] = [];
  const rejects: RecordReject[] = [];
  const parsed: TRow[] = [];
  for (const raw of rows) {
    const externalId = String((raw as { Id?: unknown } | null)?.Id ?? "(no Id)");
    const result = schema.safeParse(raw);
    if (!result.success) {
      const error = result.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ");
      rejects.push({ entity, externalId, error, raw });
      continue;
    }
    parsed.push(result.data);
    try {
      items.push(map(result.data));
    } catch (error) {
      if (!(error instanceof MappingError)) throw error;
      rejects.push({ entity, externalId, error: error.message, raw });
    }
  }
  return { items, rejects, parsed };
}

export function pageOf<T>(items: T[], rejects: RecordReject[], cursor: string | null): Page<T> {
  return rejects.length ? { items, cursor, rejects } : { items, cursor };
}
