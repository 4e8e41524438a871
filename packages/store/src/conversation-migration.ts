import { type Kysely, sql } from "kysely";
import type { Dialect } from "./schema.js";

/**
 * 0200 (issue 14): conversations with debtors, their messages, and a change feed for live
 * screens. Indexes serve the queue (by status, by operator, by date, by phone / tax id /
 * customer), the conversation screen (messages in order) and retention (messages by date).
 */
export async function conversationsMigration(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === "postgres" ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("conversations")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("source", "text")
    .addColumn("customer_ref", "text")
    .addColumn("customer_name", "text")
    .addColumn("tax_id", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("operator_id", "text")
    .addColumn("origin", "text", (c) => c.notNull())
    .addColumn("answered", "text")
    .addColumn("opened_at", "text", (c) => c.notNull())
    .addColumn("closed_at", "text")
    .addColumn("closing_reason", "text")
    .addColumn("last_inbound_at", "text")
    .addColumn("last_message_at", "text", (c) => c.notNull())
    .addColumn("bot_state", "text")
    .addColumn("version", "integer", (c) => c.notNull().defaultTo(1))
    .execute();
  // At most one open conversation per number and channel: two workers racing on the first
  // message of a number both land on the same row (insert … on conflict do nothing).
  await db.schema
    .createIndex("conversations_open_by_phone")
    .on("conversations")
    .columns(["channel", "phone"])
    .unique()
    .where(sql<boolean>`status <> 'closed'`)
    .execute();
  const indexes: [string, string[]][] = [
    ["conversations_by_status", ["status", "last_message_at", "id"]],
    ["conversations_by_operator", ["operator_id", "status", "last_message_at"]],
    ["conversations_by_last_message", ["last_message_at", "id"]],
    ["conversations_by_opened", ["opened_at"]],
    ["conversations_by_phone", ["phone"]],
    ["conversations_by_tax_id", ["tax_id"]],
    ["conversations_by_customer", ["source", "customer_ref"]],
  ];
  for (const [name, columns] of indexes) {
    await db.schema.createIndex(name).on("conversations").columns(columns).execute();
  }

  await db.schema
    .createTable("conversation_messages")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("conversation_id", "bigint", (c) => c.notNull().references("conversations.id"))
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("direction", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("author", "text", (c) => c.notNull())
    .addColumn("body", "text")
    .addColumn("payload", "text")
    .addColumn("document", "text")
    .addColumn("provider_message_id", "text")
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("status_at", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .addColumn("billable", "integer")
    .addColumn("pricing_category", "text")
    .addColumn("pricing_model", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("purged_at", "text")
    .execute();
  await db.schema
    .createIndex("conversation_messages_in_order")
    .on("conversation_messages")
    .columns(["conversation_id", "id"])
    .execute();
  await db.schema
    .createIndex("conversation_messages_by_provider_id")
    .on("conversation_messages")
    .columns(["channel", "provider_message_id"])
    .unique()
    .where(sql.ref("provider_message_id"), "is not", null)
    .execute();
  await db.schema
    .createIndex("conversation_messages_by_at")
    .on("conversation_messages")
    .column("at")
    .execute();

  await db.schema
    .createTable("conversation_changes")
    .addColumn("seq", autoId, (c) => c.primaryKey())
    .addColumn("conversation_id", "bigint", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("message_id", "bigint")
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("conversation_changes_by_at").on("conversation_changes").column("at").execute();
}
