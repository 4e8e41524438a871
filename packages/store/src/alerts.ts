import type { AlertCondition, AlertFacts, AlertRow, AlertStore } from "@regua/core";
import type { Kysely, Selectable } from "kysely";
import { toNumber } from "./codec.js";
import type { AlertsTable, StoreContext } from "./schema.js";

/** 0220 (issue 16): one row per alert key, the current or last episode of that alert. */
export async function alertsTable(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable("alerts")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("rule", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("severity", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("text", "text", (c) => c.notNull())
    .addColumn("fields", "text", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("resolved_at", "text")
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .addColumn("start_delivered", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("resolve_delivered", "text", (c) => c.notNull().defaultTo("[]"))
    .execute();
  await db.schema.createIndex("alerts_by_status").on("alerts").columns(["status", "started_at"]).execute();
}

function readRow(row: Selectable<AlertsTable>): AlertRow {
  return {
    key: row.key,
    rule: row.rule,
    subject: row.subject,
    severity: row.severity as AlertRow["severity"],
    status: row.status as AlertRow["status"],
    title: row.title,
    text: row.text,
    fields: JSON.parse(row.fields) as AlertRow["fields"],
    startedAt: row.started_at,
    resolvedAt: row.resolved_at,
    lastSeenAt: row.last_seen_at,
    startDelivered: JSON.parse(row.start_delivered) as string[],
    resolveDelivered: JSON.parse(row.resolve_delivered) as string[],
  };
}

export function createAlertStore(ctx: StoreContext): AlertStore {
  const get = async (key: string) => {
    const row = await ctx.db.selectFrom("alerts").selectAll().where("key", "=", key).executeTakeFirst();
    return row ? readRow(row) : null;
  };
  return {
    get,
    facts: (query) => alertFacts(ctx, query),
    async list(options = {}) {
      let q = ctx.db.selectFrom("alerts").selectAll().orderBy("started_at", "desc").orderBy("key");
      if (options.status) q = q.where("status", "=", options.status);
      if (options.limit) q = q.limit(options.limit);
      return (await q.execute()).map(readRow);
    },
    async fire(condition, at) {
      const detail = detailColumns(condition);
      // Re-opens only a resolved row (a new episode); a firing one keeps its start and deliveries.
      const reopened = await ctx.db
        .updateTable("alerts")
        .set({
          ...detail,
          status: "firing",
          started_at: at,
          resolved_at: null,
          last_seen_at: at,
          start_delivered: "[]",
          resolve_delivered: "[]",
        })
        .where("key", "=", condition.key)
        .where("status", "=", "resolved")
        .executeTakeFirst();
      let opened = toNumber(reopened.numUpdatedRows) > 0;
      if (!opened) {
        const inserted = await ctx.db
          .insertInto("alerts")
          .values({
            key: condition.key,
            ...detail,
            status: "firing",
            started_at: at,
            last_seen_at: at,
            resolved_at: null,
            start_delivered: "[]",
            resolve_delivered: "[]",
          })
          .onConflict((oc) => oc.column("key").doNothing())
          .executeTakeFirst();
        opened = toNumber(inserted.numInsertedOrUpdatedRows ?? 0) > 0;
      }
      if (!opened) {
        await ctx.db
          .updateTable("alerts")
          .set({ ...detail, last_seen_at: at })
          .where("key", "=", condition.key)
          .where("status", "=", "firing")
          .execute();
      }
      const row = await get(condition.key);
      if (!row) throw new Error(`alert ${condition.key} vanished while it was written`);
      return { row, opened };
    },
    async resolve(key, at) {
      const result = await ctx.db
        .updateTable("alerts")
        .set({ status: "resolved", resolved_at: at })
        .where("key", "=", key)
        .where("status", "=", "firing")
        .executeTakeFirst();
      return toNumber(result.numUpdatedRows) > 0;
    },
    async markDelivered(key, startedAt, phase, targets) {
      const column = phase === "start" ? "start_delivered" : "resolve_delivered";
      await ctx.db.transaction().execute(async (tx) => {
        const row = await tx
          .selectFrom("alerts")
          .select(column)
          .where("key", "=", key)
          .where("started_at", "=", startedAt)
          .executeTakeFirst();
        if (!row) return; // a newer episode replaced it: its own deliveries start empty
        const merged = [...new Set([...(JSON.parse(row[column]) as string[]), ...targets])].sort();
        await tx
          .updateTable("alerts")
          .set({ [column]: JSON.stringify(merged) })
          .where("key", "=", key)
          .where("started_at", "=", startedAt)
          .execute();
      });
    },
  };
}

function detailColumns(c: AlertCondition) {
  return {
    rule: c.rule,
    subject: c.subject,
    severity: c.severity,
    title: c.title,
    text: c.text,
    fields: JSON.stringify(c.fields),
  };
}

const REACHED = ["sent", "delivered", "read"];
const WAITING = ["planned", "claimed"];
const MESSAGE_KINDS = ["message", "lifecycle"];

async function alertFacts(ctx: StoreContext, query: { now: string; since: string }): Promise<AlertFacts> {
  const { db } = ctx;
  const runs = await db
    .selectFrom("sync_runs")
    .select(["source", "finished_at", "error"])
    .where("id", "in", (eb) =>
      eb
        .selectFrom("sync_runs")
        .select((i) => i.fn.max("id").as("id"))
        .groupBy("source"),
    )
    .execute();
  const oks = await db
    .selectFrom("sync_runs")
    .select(["source", (eb) => eb.fn.max("finished_at").as("last_ok")])
    .where("error", "is", null)
    .groupBy("source")
    .execute();
  const okBySource = new Map(oks.map((r) => [r.source, r.last_ok as string | null]));
  const settled = await db
    .selectFrom("actions")
    .select(["status", (eb) => eb.fn.countAll().as("n")])
    .where("kind", "in", MESSAGE_KINDS)
    .where("status", "in", [...REACHED, "failed"])
    .where("updated_at", ">=", query.since)
    .groupBy("status")
    .execute();
  const count = (statuses: string[]) =>
    settled.filter((r) => statuses.includes(r.status)).reduce((n, r) => n + toNumber(r.n), 0);
  const dead = await db
    .selectFrom("activities")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("status", "=", "dead")
    .executeTakeFirstOrThrow();
  const oldest = await db
    .selectFrom("actions")
    .select(["key", "due_at", "channel"])
    .where("kind", "in", MESSAGE_KINDS)
    .where("status", "in", WAITING)
    .where("due_at", "<=", query.now)
    .orderBy("due_at")
    .limit(1)
    .executeTakeFirst();
  return {
    sources: runs.map((r) => ({
      source: r.source,
      lastRunAt: r.finished_at,
      lastError: r.error,
      lastOkAt: okBySource.get(r.source) ?? null,
    })),
    window: { since: query.since, reached: count(REACHED), failed: count(["failed"]) },
    deadActivities: toNumber(dead.n),
    oldestDue: oldest ? { key: oldest.key, dueAt: oldest.due_at, channel: oldest.channel } : null,
  };
}
