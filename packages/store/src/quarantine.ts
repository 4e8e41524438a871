import type { QuarantinedRecord, StoreReport } from "@regua/core";
import { sql } from "kysely";
import { z } from "zod";
import { chunks } from "./batch.js";
import { EntitySchema, toInstant, toNumber } from "./codec.js";
import type { Db, StoreContext } from "./schema.js";

const IssuesSchema = z.array(z.object({ path: z.string(), message: z.string() }));

/** Appends the page's quarantined records, in the page's transaction. */
export async function insertQuarantine(trx: Db, records: readonly QuarantinedRecord[]): Promise<void> {
  for (const chunk of chunks(records)) {
    await trx
      .insertInto("quarantine")
      .values(
        chunk.map((record) => ({
          source: record.source,
          entity: record.entity,
          external_id: record.externalId,
          issues: JSON.stringify(record.issues),
          error: record.error,
          raw: record.raw === undefined ? null : JSON.stringify(record.raw),
          at: toInstant(record.at),
        })),
      )
      .execute();
  }
}

export async function listQuarantine(
  ctx: StoreContext,
  options: { source?: string; limit?: number } = {},
): Promise<QuarantinedRecord[]> {
  let query = ctx.db
    .selectFrom("quarantine")
    .selectAll()
    .orderBy("id", "desc")
    .limit(options.limit ?? 100);
  if (options.source !== undefined) query = query.where("source", "=", options.source);
  const rows = await query.execute();
  return rows.map((row) => ({
    source: row.source,
    entity: EntitySchema.parse(row.entity),
    externalId: row.external_id,
    issues: IssuesSchema.parse(JSON.parse(row.issues)),
    error: row.error,
    raw: row.raw === null ? null : JSON.parse(row.raw),
    at: row.at,
  }));
}

/**
 * Quarantined records per (source, entity), for `regua report`: distinct ERP keys, so a record
 * that fails on every sync counts once (one without a readable key counts per occurrence).
 */
export async function quarantineCounts(ctx: StoreContext): Promise<StoreReport["quarantine"]> {
  const rows = await ctx.db
    .selectFrom("quarantine")
    .select((eb) => [
      "source",
      "entity",
      sql<number>`count(distinct coalesce(external_id, cast(id as text)))`.as("records"),
      eb.fn.max("at").as("last_at"),
    ])
    .groupBy(["source", "entity"])
    .orderBy("source")
    .orderBy("entity")
    .execute();
  return rows.map((row) => ({
    source: row.source,
    entity: EntitySchema.parse(row.entity),
    records: toNumber(row.records),
    lastAt: String(row.last_at),
  }));
}
