import {
  type ChannelAccountStore,
  type ChannelQualityChange,
  type ChannelStateRow,
  degradedAfter,
  type TemplateStateRow,
  type TemplateStatus,
} from "@regua/core";
import { type Kysely, type Selectable, sql } from "kysely";
import { toNumber } from "./codec.js";
import type { ChannelStatesTable, ChannelTemplatesTable, Dialect, StoreContext } from "./schema.js";

/**
 * 0290 (issue 16): what each channel account's provider said — template statuses
 * (message_template_status_update), quality and messaging limit (phone_number_quality_update) —
 * and whether the channel is suspended (credentials refused), so dispatch on every replica and
 * the alert rules see the same. An index on actions(channel, sent_at) serves the daily reach.
 */
export async function channelAccountsMigration(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("channel_templates")
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("language", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("provider_event", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("detail", "text")
    .addColumn("provider_id", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("channel_templates_pk", ["channel", "name", "language"])
    .execute();
  await db.schema
    .createTable("channel_states")
    .addColumn("channel", "text", (c) => c.primaryKey())
    .addColumn("suspended_reason", "text")
    .addColumn("suspended_at", "text")
    .addColumn("quality_change", "text")
    .addColumn("quality_event", "text")
    .addColumn("limit_label", "text")
    .addColumn("previous_limit", "text")
    .addColumn("daily_recipients", dialect === "postgres" ? "bigint" : "integer")
    .addColumn("degraded", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("quality_at", "text")
    .execute();
  await db.schema
    .createIndex("actions_by_channel_sent")
    .on("actions")
    .columns(["channel", "sent_at"])
    .execute();
}

function templateRow(row: Selectable<ChannelTemplatesTable>): TemplateStateRow {
  return {
    channel: row.channel,
    name: row.name,
    language: row.language,
    status: row.status as TemplateStatus,
    providerEvent: row.provider_event,
    reason: row.reason,
    detail: row.detail,
    providerId: row.provider_id,
    at: row.at,
  };
}

function stateRow(row: Selectable<ChannelStatesTable>): ChannelStateRow {
  return {
    channel: row.channel,
    suspendedReason: row.suspended_reason,
    suspendedAt: row.suspended_at,
    qualityChange: row.quality_change as ChannelQualityChange | null,
    qualityEvent: row.quality_event,
    limit: row.limit_label,
    previousLimit: row.previous_limit,
    dailyRecipients: row.daily_recipients === null ? null : toNumber(row.daily_recipients),
    degraded: toNumber(row.degraded) === 1,
    qualityAt: row.quality_at,
  };
}

const MESSAGE_KINDS = ["message", "lifecycle"];

export function createChannelAccountStore(ctx: StoreContext): ChannelAccountStore {
  const { db } = ctx;
  const channelState = async (channel: string) => {
    const row = await db
      .selectFrom("channel_states")
      .selectAll()
      .where("channel", "=", channel)
      .executeTakeFirst();
    return row ? stateRow(row) : null;
  };
  return {
    async recordTemplateStatus(row) {
      const values = {
        status: row.status,
        provider_event: row.providerEvent,
        reason: row.reason,
        detail: row.detail,
        provider_id: row.providerId,
        at: row.at,
      };
      const result = await db
        .insertInto("channel_templates")
        .values({ channel: row.channel, name: row.name, language: row.language, ...values })
        .onConflict((oc) =>
          oc
            .columns(["channel", "name", "language"])
            .doUpdateSet(values)
            // A late delivery of an older event never undoes a newer one.
            .where("channel_templates.at", "<=", row.at),
        )
        .executeTakeFirst();
      return toNumber(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async templateStatus(channel, name, language) {
      const row = await db
        .selectFrom("channel_templates")
        .selectAll()
        .where("channel", "=", channel)
        .where("name", "=", name)
        .where("language", "=", language)
        .executeTakeFirst();
      return row ? templateRow(row) : null;
    },
    async templateStatuses(channel) {
      let query = db
        .selectFrom("channel_templates")
        .selectAll()
        .orderBy("channel")
        .orderBy("name")
        .orderBy("language");
      if (channel !== undefined) query = query.where("channel", "=", channel);
      return (await query.execute()).map(templateRow);
    },
    async recordQuality(channel, update) {
      return db.transaction().execute(async (tx) => {
        const current = await tx
          .selectFrom("channel_states")
          .select(["quality_at", "degraded"])
          .where("channel", "=", channel)
          .executeTakeFirst();
        if (current?.quality_at && current.quality_at > update.at) return false;
        const values = {
          quality_change: update.change,
          quality_event: update.providerEvent,
          limit_label: update.limit,
          previous_limit: update.previousLimit,
          daily_recipients: update.dailyRecipients,
          degraded: degradedAfter(toNumber(current?.degraded ?? 0) === 1, update.change) ? 1 : 0,
          quality_at: update.at,
        };
        await tx
          .insertInto("channel_states")
          .values({ channel, suspended_reason: null, suspended_at: null, ...values })
          .onConflict((oc) => oc.column("channel").doUpdateSet(values))
          .execute();
        return true;
      });
    },
    async setSuspension(channel, suspension) {
      const values = { suspended_reason: suspension?.reason ?? null, suspended_at: suspension?.at ?? null };
      await db
        .insertInto("channel_states")
        .values({ channel, ...values })
        .onConflict((oc) => oc.column("channel").doUpdateSet(values))
        .execute();
    },
    async wakeWaiting({ channel, reasonPrefix, at }) {
      // substr, not LIKE: template names hold "_", LIKE's any-character wildcard.
      const result = await db
        .updateTable("actions")
        .set({ due_at: at })
        .where("channel", "=", channel)
        .where("status", "=", "planned")
        .where(sql<string>`substr(status_reason, 1, ${reasonPrefix.length})`, "=", reasonPrefix)
        .where("due_at", ">", at)
        .executeTakeFirst();
      return toNumber(result.numUpdatedRows);
    },
    channelState,
    async channelStates() {
      return (await db.selectFrom("channel_states").selectAll().orderBy("channel").execute()).map(stateRow);
    },
    async recentRecipients({ channel, since, customer }) {
      const sent = db
        .selectFrom("actions")
        .where("channel", "=", channel)
        .where("kind", "in", MESSAGE_KINDS)
        .where("sent_at", ">=", since);
      const distinct = await db
        .selectFrom(sent.select(["source", "customer_ref"]).groupBy(["source", "customer_ref"]).as("reached"))
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      const oldest = await sent.select((eb) => eb.fn.min("sent_at").as("oldest")).executeTakeFirst();
      const mine = await sent
        .select("key")
        .where("source", "=", customer.source)
        .where("customer_ref", "=", customer.customerRef)
        .limit(1)
        .executeTakeFirst();
      return {
        count: toNumber(distinct.n),
        includes: mine !== undefined,
        oldestSentAt: (oldest?.oldest as string | null | undefined) ?? null,
      };
    },
  };
}
