import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";
import { alertsTable } from "./alerts.js";
import { channelAccountsMigration } from "./channel-accounts.js";
import { conversationsMigration } from "./conversation-migration.js";
import {
  actionsMarkWithoutInserts,
  actionsSentPartial,
  invoicePlanColumns,
  invoicesPaidCovering,
  invoicesPlanOrder,
  planChanges,
} from "./migration-plan-changes.js";
import { operatorsMigration } from "./operators-migration.js";
import { rateLimitsTable } from "./rate-limits.js";
import { riskModelsTable } from "./risk-models.js";
import type { Dialect } from "./schema.js";

/**
 * Versioned migrations, in code (no files to ship or find at run time). Names sort in the
 * order they run; never edit a released one, add the next. `Kysely<unknown>` on purpose: a
 * migration sees the database as it was then, not as `Database` describes it today.
 */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return {
        "0001_initial": { up: (db) => initial(db, dialect) },
        "0010_kv_versions": { up: (db) => kvVersions(db) },
        "0020_quarantine": { up: (db) => quarantineAndDeletions(db, dialect) },
        "0030_whatsapp_contacts": { up: (db) => whatsappContacts(db) },
        "0040_unknown_reconcile": { up: (db) => unknownReconcile(db) },
        "0050_webhook_queue": { up: (db) => webhookQueue(db, dialect) },
        "0060_plan_changes": { up: (db) => planChanges(db, dialect) },
        "0061_rate_limits": { up: (db) => rateLimitsTable(db, dialect) },
        "0200_conversations": { up: (db) => conversationsMigration(db, dialect) },
        "0220_alerts": { up: (db) => alertsTable(db) },
        "0270_operators": { up: (db) => operatorsMigration(db, dialect) },
        "0290_channel_accounts": { up: (db) => channelAccountsMigration(db, dialect) },
        "0280_risk_models": { up: (db) => riskModelsTable(db, dialect) },
        "0300_invoices_plan_order": { up: (db) => invoicesPlanOrder(db, dialect) },
        "0301_actions_sent_partial": { up: (db) => actionsSentPartial(db) },
        "0302_invoice_plan_columns": { up: (db) => invoicePlanColumns(db, dialect) },
        "0310_actions_mark_without_inserts": { up: (db) => actionsMarkWithoutInserts(db, dialect) },
        "0311_invoices_paid_covering": { up: (db) => invoicesPaidCovering(db, dialect) },
      };
    },
  };
}

/**
 * Small link tables keyed by their whole primary key: on SQLite, WITHOUT ROWID stores them in that
 * one B-tree instead of a rowid table plus a key index (one write less per row during a plan).
 * https://www.sqlite.org/withoutrowid.html
 */
function withoutRowid(dialect: Dialect) {
  return (builder: CreateTableBuilder<string, never>) =>
    dialect === "sqlite" ? builder.modifyEnd(sql`without rowid`) : builder;
}

async function initial(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // Money is BIGINT minor units on both (SQLite's INTEGER is 64-bit anyway).
  const money = sql`bigint`;
  const autoId = dialect === "postgres" ? sql`bigserial` : sql`integer`;

  await db.schema
    .createTable("customers")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("consent", "text", (c) => c.notNull())
    .addColumn("record", "text", (c) => c.notNull())
    .addColumn("raw", "text")
    .addColumn("updated_at", "text")
    .addColumn("synced_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("customers_pk", ["source", "external_id"])
    .execute();

  await db.schema
    .createTable("customer_phones")
    .addColumn("phone", "text", (c) => c.notNull())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("customer_phones_pk", ["phone", "source", "customer_ref"])
    .$call(withoutRowid(dialect))
    .execute();
  await db.schema
    .createIndex("customer_phones_by_customer")
    .on("customer_phones")
    .columns(["source", "customer_ref"])
    .execute();

  await db.schema
    .createTable("invoices")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("due_date", "text", (c) => c.notNull())
    .addColumn("total_minor", money, (c) => c.notNull())
    .addColumn("open_amount_minor", money, (c) => c.notNull().check(sql`open_amount_minor >= 0`))
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("record", "text", (c) => c.notNull())
    .addColumn("raw", "text")
    .addColumn("updated_at", "text")
    .addColumn("synced_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("invoices_pk", ["source", "external_id"])
    .execute();
  await db.schema
    .createIndex("invoices_by_customer")
    .on("invoices")
    .columns(["source", "customer_ref", "status"])
    .execute();
  await db.schema
    .createIndex("invoices_by_status_due")
    .on("invoices")
    .columns(["status", "due_date"])
    .execute();

  await db.schema
    .createTable("payments")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("external_id", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text")
    .addColumn("paid_on", "text", (c) => c.notNull())
    .addColumn("amount_minor", money, (c) => c.notNull())
    .addColumn("currency", "text", (c) => c.notNull())
    .addColumn("record", "text", (c) => c.notNull())
    .addColumn("raw", "text")
    .addColumn("updated_at", "text")
    .addColumn("synced_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("payments_pk", ["source", "external_id"])
    .execute();
  await db.schema
    .createTable("payment_allocations")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("payment_ref", "text", (c) => c.notNull())
    .addColumn("invoice_ref", "text", (c) => c.notNull())
    .addColumn("paid_on", "text", (c) => c.notNull())
    .addColumn("amount_minor", money, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("payment_allocations_by_payment")
    .on("payment_allocations")
    .columns(["source", "payment_ref"])
    .execute();
  await db.schema
    .createIndex("payment_allocations_by_invoice")
    .on("payment_allocations")
    .columns(["source", "invoice_ref"])
    .execute();

  await db.schema
    .createTable("sync_cursors")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("cursor", "text")
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("sync_cursors_pk", ["source", "entity"])
    .execute();

  await db.schema
    .createTable("sync_runs")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("started_at", "text", (c) => c.notNull())
    .addColumn("finished_at", "text", (c) => c.notNull())
    .addColumn("records", "integer", (c) => c.notNull())
    .addColumn("rejects", "integer", (c) => c.notNull())
    .addColumn("rejects_json", "text", (c) => c.notNull())
    .addColumn("error", "text")
    .execute();
  await db.schema
    .createIndex("sync_runs_by_stream")
    .on("sync_runs")
    .columns(["source", "entity", "id"])
    .execute();

  await createActionTables(db, dialect);
  await createEventTables(db, autoId);
  await protectAuditLog(db, dialect);
}

async function createActionTables(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("actions")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text", (c) => c.notNull())
    .addColumn("invoice_refs", "text", (c) => c.notNull())
    .addColumn("step_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("channel", "text")
    .addColumn("template", "text")
    .addColumn("due_at", "text", (c) => c.notNull())
    .addColumn("expires_at", "text")
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("trace_hash", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("claimed_by", "text")
    .addColumn("claimed_until", "text")
    .addColumn("provider_message_id", "text")
    .addColumn("status_reason", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addColumn("sent_at", "text")
    .addColumn("replied_at", "text")
    // Rows are small since traces moved to action_traces: keyed by `key` alone on SQLite.
    .$call(withoutRowid(dialect))
    .execute();
  await db.schema.createIndex("actions_due").on("actions").columns(["status", "due_at"]).execute();
  await db.schema
    .createIndex("actions_by_customer")
    .on("actions")
    .columns(["source", "customer_ref"])
    .execute();
  await db.schema
    .createIndex("actions_by_provider_message")
    .on("actions")
    .column("provider_message_id")
    // Most rows never get one (planned, skipped): a partial index costs nothing for them.
    .where(sql.ref("provider_message_id"), "is not", null)
    .execute();

  await db.schema
    .createTable("action_traces")
    .addColumn("hash", "text", (c) => c.primaryKey())
    .addColumn("trace", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("activities")
    .addColumn("key", "text", (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("record", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("next_attempt_at", "text", (c) => c.notNull())
    .addColumn("claimed_by", "text")
    .addColumn("claimed_until", "text")
    .addColumn("last_error", "text")
    .addColumn("external_id", "text")
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("activities_due")
    .on("activities")
    .columns(["status", "next_attempt_at"])
    .execute();
}

async function createEventTables(db: Kysely<unknown>, autoId: ReturnType<typeof sql>): Promise<void> {
  await db.schema
    .createTable("inbound_events")
    .addColumn("provider", "text", (c) => c.notNull())
    .addColumn("event_id", "text", (c) => c.notNull())
    .addColumn("payload", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("inbound_events_pk", ["provider", "event_id"])
    .execute();

  await db.schema
    .createTable("opt_outs")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("phone", "text")
    .addColumn("source", "text")
    .addColumn("customer_ref", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addCheckConstraint("opt_outs_target", sql`phone is not null or customer_ref is not null`)
    .execute();
  await db.schema.createIndex("opt_outs_by_phone").on("opt_outs").column("phone").execute();
  await db.schema
    .createIndex("opt_outs_by_customer")
    .on("opt_outs")
    .columns(["source", "customer_ref"])
    .execute();

  await db.schema
    .createTable("pauses")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text", (c) => c.notNull())
    .addColumn("paused_until", "text")
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("pauses_pk", ["source", "customer_ref"])
    .execute();

  await db.schema
    .createTable("audit_log")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("at", "text", (c) => c.notNull())
    .addColumn("actor", "text", (c) => c.notNull())
    .addColumn("action", "text", (c) => c.notNull())
    .addColumn("subject", "text", (c) => c.notNull())
    .addColumn("detail", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("audit_log_by_subject").on("audit_log").columns(["subject", "id"]).execute();

  await db.schema
    .createTable("kv_state")
    .addColumn("namespace", "text", (c) => c.notNull())
    .addColumn("key", "text", (c) => c.notNull())
    .addColumn("value", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("kv_state_pk", ["namespace", "key"])
    .execute();
}

/**
 * Versioned plugin state with a lease per key (@regua/connector-kit's refreshUnderLease): two
 * runners never refresh one OAuth token at once, and a late writer is fenced out by the version.
 */
async function kvVersions(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("kv_state")
    .addColumn("version", "bigint", (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema.alterTable("kv_state").addColumn("lease_owner", "text").execute();
  await db.schema.alterTable("kv_state").addColumn("lease_until", "text").execute();
}

/**
 * Contract v2: soft deletion (`deleted_at`: the ERP deleted the record; history keeps it) on the
 * three record tables, and the quarantine of records that failed the core schema at sync.
 */
async function quarantineAndDeletions(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  for (const table of ["customers", "invoices", "payments"]) {
    await db.schema.alterTable(table).addColumn("deleted_at", "text").execute();
  }
  await db.schema
    .createTable("quarantine")
    .addColumn("id", dialect === "postgres" ? sql`bigserial` : sql`integer`, (c) => c.primaryKey())
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("entity", "text", (c) => c.notNull())
    .addColumn("external_id", "text")
    .addColumn("issues", "text", (c) => c.notNull())
    .addColumn("error", "text", (c) => c.notNull())
    .addColumn("raw", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("quarantine_by_stream")
    .on("quarantine")
    .columns(["source", "entity", "id"])
    .execute();
}

/**
 * Issue 18: how an ambiguous send was settled (status webhook, lookup, resend after the quiet
 * period, held for an operator), and an index for the reconciler's scan of `unknown` rows and
 * the restart's scan of claim holders.
 */
async function unknownReconcile(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable("actions").addColumn("reconciled", "text").execute();
  await db.schema
    .createIndex("actions_by_claim")
    .on("actions")
    .columns(["claimed_by", "status"])
    .where(sql.ref("claimed_by"), "is not", null)
    .execute();
}

/** The audit log is append-only in the database itself, not only by convention. */
async function protectAuditLog(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect === "sqlite") {
    for (const op of ["UPDATE", "DELETE"]) {
      await sql
        .raw(
          `CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log
           BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`,
        )
        .execute(db);
    }
    return;
  }
  await sql
    .raw(
      `CREATE FUNCTION regua_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`,
    )
    .execute(db);
  await sql
    .raw(
      `CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
       FOR EACH ROW EXECUTE FUNCTION regua_audit_log_append_only()`,
    )
    .execute(db);
}

/**
 * Verified webhook deliveries waiting for the engine's worker (raw body kept for audit until
 * retention), and an index so retention finds old dedupe records without a scan.
 */
async function webhookQueue(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === "postgres" ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("webhook_queue")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("plugin", "text", (c) => c.notNull())
    .addColumn("received_at", "text", (c) => c.notNull())
    .addColumn("raw_body", "text", (c) => c.notNull())
    .addColumn("events", "text", (c) => c.notNull())
    .addColumn("event_count", "integer", (c) => c.notNull())
    .addColumn("applied", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("claimed_by", "text")
    .addColumn("claimed_until", "text")
    .addColumn("done_at", "text")
    .execute();
  await db.schema
    .createIndex("webhook_queue_pending")
    .on("webhook_queue")
    .columns(["done_at", "id"])
    .execute();
  await db.schema
    .createIndex("webhook_queue_by_received")
    .on("webhook_queue")
    .column("received_at")
    .execute();
  await db.schema
    .createIndex("inbound_events_by_received")
    .on("inbound_events")
    .column("received_at")
    .execute();
}

/**
 * wa (issue 9): what a pause was set by (an "already paid" hold lasts until released), numbers a
 * channel reported undeliverable, and what each message cost (WhatsApp status pricing).
 */
async function whatsappContacts(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable("pauses")
    .addColumn("kind", "text", (c) => c.notNull().defaultTo("policy"))
    .execute();

  await db.schema
    .createTable("phone_flags")
    .addColumn("phone", "text", (c) => c.primaryKey())
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("code", "text", (c) => c.notNull())
    .addColumn("reason", "text", (c) => c.notNull())
    .addColumn("at", "text", (c) => c.notNull())
    .execute();

  await db.schema
    .createTable("message_costs")
    .addColumn("provider_message_id", "text", (c) => c.primaryKey())
    .addColumn("action_key", "text")
    .addColumn("channel", "text", (c) => c.notNull())
    .addColumn("billable", "integer", (c) => c.notNull())
    .addColumn("category", "text", (c) => c.notNull())
    .addColumn("pricing_model", "text")
    .addColumn("conversation_id", "text")
    .addColumn("conversation_origin", "text")
    .addColumn("conversation_expires_at", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("message_costs_by_action").on("message_costs").column("action_key").execute();
}
