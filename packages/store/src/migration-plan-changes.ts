import { type Kysely, sql } from "kysely";
import type { Dialect } from "./schema.js";

/**
 * 0060: what an incremental plan needs. `plan_changes` holds one row per customer whose plan may
 * have changed since the last plan; `plan_state` the epoch of the last finished plan.
 *
 * The marks are set by triggers, so every writer (sync pages, targeted syncs, webhooks, opt-outs,
 * pauses, the dispatcher's outcomes, deletions) marks in the same transaction as its own write,
 * without each code path having to remember it. What marks a customer: its record, its invoices
 * (insert, delete, an update of what the planner reads), payment allocations of its invoices,
 * opt-outs by its ref or one of its phones, its pauses, and its actions when a reply arrives or a
 * status starts or stops counting toward the caps (failed, skipped) or a row is deleted.
 * `taken = 1` rows belong to a running plan; a new write resets `taken` to 0, so a change made
 * while a plan runs is kept for the next one.
 */
export async function planChanges(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("plan_changes")
    .addColumn("source", "text", (c) => c.notNull())
    .addColumn("customer_ref", "text", (c) => c.notNull())
    .addColumn("taken", "integer", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("plan_changes_pk", ["source", "customer_ref"])
    .$call((builder) => (dialect === "sqlite" ? builder.modifyEnd(sql`without rowid`) : builder))
    .execute();
  await db.schema
    .createTable("plan_state")
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("epoch", "text", (c) => c.notNull())
    .addColumn("planned_at", "text", (c) => c.notNull())
    .execute();
  if (dialect === "sqlite") {
    // Snapshots read the planner's invoice fields from this index alone (a covering index: no
    // table row is read). Rows carry the record and ERP payload, about a page each; reading them
    // for ~1M unpaid invoices was most of a plan's read time. Its prefix serves every query the
    // index it replaces served. The expression must stay identical to the one snapshots select.
    await sql
      .raw(
        `create index invoices_plan on invoices (source, customer_ref, status, due_date, external_id,
         open_amount_minor, total_minor, currency, ${SQLITE_INVOICE_NUMBER})`,
      )
      .execute(db);
    await db.schema.dropIndex("invoices_by_customer").execute();
  }
  const statements = dialect === "sqlite" ? sqliteTriggers() : postgresTriggers();
  for (const statement of statements) await sql.raw(statement).execute(db);
}

/**
 * 0300: the covering index in the order the snapshot query reads it. 0060's index put `status`
 * third and left out the installments, so SQLite read every invoice row for its record (the
 * installments) and sorted each batch by due date: ~4 s of a 1M-invoice plan's 7 s of reading.
 * In (customer, due date, id) order with the installments in the index, the query reads the index
 * alone, in order, and needs no sort (bench/plan.ts: ~0.7 s for the same ~1M rows). `status`
 * further right still answers "has an unpaid invoice" from the index (a customer's few rows).
 * PostgreSQL plans these queries on its own indexes: nothing to do there.
 */
export async function invoicesPlanOrder(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== "sqlite") return;
  await sql
    .raw(
      `create index invoices_plan_v2 on invoices (source, customer_ref, due_date, external_id, status,
       open_amount_minor, total_minor, currency, ${SQLITE_INVOICE_NUMBER}, ${SQLITE_INVOICE_INSTALLMENTS})`,
    )
    .execute(db);
  await db.schema.dropIndex("invoices_plan").execute();
}

/**
 * 0301: `actions_by_channel_sent` (0290) only for sent actions. Every query it serves bounds
 * `sent_at` from below (tier caps, status polling, reports), which implies NOT NULL on both
 * databases, so a partial index serves them all; and the ~200k actions a full plan inserts,
 * none of them sent yet, no longer each add an entry to it.
 */
export async function actionsSentPartial(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex("actions_by_channel_sent").execute();
  await db.schema
    .createIndex("actions_by_channel_sent")
    .on("actions")
    .columns(["channel", "sent_at"])
    .where(sql.ref("sent_at"), "is not", null)
    .execute();
}

/**
 * 0302: the planner's last two invoice fields inside the record, the number and the
 * installments, become columns (filled by every invoice write, backfilled here), so neither
 * database parses an invoice record to plan. PostgreSQL could not read them from an index at
 * all: it fetched every unpaid invoice's heap row and parsed its JSON twice. Each database gets
 * a covering index in the order the planner reads invoices (customer, due date, id):
 * PostgreSQL's with INCLUDE (index-only scans once the visibility map is set by (auto)vacuum);
 * SQLite's replaces 0300's expression index with the same index on the columns.
 */
export async function invoicePlanColumns(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema.alterTable("invoices").addColumn("number", "text").execute();
  await db.schema.alterTable("invoices").addColumn("installments", "text").execute();
  const backfill = invoicePlanBackfill(dialect);
  await sql.raw(backfill).execute(db);
  if (dialect === "postgres") {
    await sql
      .raw(
        `create index invoices_plan_v3 on invoices (source, customer_ref, due_date, external_id)
         include (status, open_amount_minor, total_minor, currency, number, installments)`,
      )
      .execute(db);
    return;
  }
  await sql
    .raw(
      `create index invoices_plan_v3 on invoices (source, customer_ref, due_date, external_id, status,
       open_amount_minor, total_minor, currency, number, installments)`,
    )
    .execute(db);
  await db.schema.dropIndex("invoices_plan_v2").execute();
}

/**
 * 0310: on PostgreSQL, 0060's actions trigger fired for every inserted action only to return at
 * once (an inserted action marks nobody: the plan that inserts it has just planned its customer).
 * A plan inserts ~200k actions; each still cost a PL/pgSQL call and an after-trigger queue event
 * (EXPLAIN ANALYZE of a 5,000-row insert: ~12 ms of trigger time, about a tenth of the insert).
 * Now the trigger fires on updates and deletes only, the two events its function acts on. SQLite's
 * triggers never fired on inserts.
 * https://www.postgresql.org/docs/current/sql-createtrigger.html
 */
export async function actionsMarkWithoutInserts(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== "postgres") return;
  await sql.raw("DROP TRIGGER actions_plan_changes ON actions").execute(db);
  await sql
    .raw(
      "CREATE TRIGGER actions_plan_changes AFTER UPDATE OR DELETE ON actions FOR EACH ROW EXECUTE FUNCTION regua_plan_changes_actions()",
    )
    .execute(db);
}

/**
 * 0311: on PostgreSQL, the paid invoices a plan reads for the payment-behaviour features (a
 * customer's paid invoices: id, due date, and the days that stand in for a payment date, see
 * paidOnOf) from a small partial index alone, instead of one heap row each: ~90k paid invoices
 * scattered over a 1.1M-invoice table were ~64k page reads and ~3.5 s of a plan (bench/plan.ts,
 * pg_stat_statements). Only paid invoices are in it, so other invoice writes never touch it.
 * SQLite answers the query from its own indexes (paidOnOf's lazy COALESCE): nothing to do there.
 * https://www.postgresql.org/docs/current/indexes-index-only-scans.html
 */
export async function invoicesPaidCovering(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  if (dialect !== "postgres") return;
  await sql
    .raw(
      `create index invoices_paid_v1 on invoices (source, customer_ref)
       include (external_id, due_date, updated_at, synced_at) where status = 'paid'`,
    )
    .execute(db);
}

/** 0302's backfill: the columns from each invoice's record (exported for the upgrade test). */
export function invoicePlanBackfill(dialect: Dialect): string {
  return dialect === "postgres"
    ? `update invoices set number = record::json ->> 'number',
         installments = case when strpos(record, '"installments"') > 0
           and json_array_length(record::json -> 'installments') > 0
           then (record::json -> 'installments')::text end`
    : `update invoices set number = ${SQLITE_INVOICE_NUMBER},
         installments = case when instr(record, '"installments"') > 0
           and json_array_length(record, '$.installments') > 0
           then json_extract(record, '$.installments') end`;
}

/** The invoice number inside its record, as the covering index and the snapshot query spell it. */
export const SQLITE_INVOICE_NUMBER = "json_extract(record, '$.number')";
/** An invoice's installments as JSON text; instr() first, so records without any are not parsed twice. */
export const SQLITE_INVOICE_INSTALLMENTS =
  "(case when instr(record, '\"installments\"') > 0 then json_extract(record, '$.installments') end)";

const UPSERT = "on conflict (source, customer_ref) do update set taken = 0 where plan_changes.taken <> 0";

/** Marks (source, ref); `where true` keeps SQLite from reading ON CONFLICT as a join clause. */
function markSql(source: string, ref: string): string {
  return `insert into plan_changes (source, customer_ref, taken) select ${source}, ${ref}, 0 where ${ref} is not null ${UPSERT};`;
}

function markByPhoneSql(phone: string): string {
  return `insert into plan_changes (source, customer_ref, taken) select source, customer_ref, 0 from customer_phones where phone = ${phone} ${UPSERT};`;
}

function markByInvoiceSql(row: "NEW" | "OLD"): string {
  return `insert into plan_changes (source, customer_ref, taken) select source, customer_ref, 0 from invoices where source = ${row}.source and external_id = ${row}.invoice_ref ${UPSERT};`;
}

const INVOICE_CHANGED = `OLD.record IS NOT NEW.record OR OLD.status IS NOT NEW.status OR OLD.customer_ref IS NOT NEW.customer_ref OR OLD.due_date IS NOT NEW.due_date OR OLD.open_amount_minor IS NOT NEW.open_amount_minor`;
const CUSTOMER_CHANGED = "OLD.record IS NOT NEW.record OR OLD.consent IS NOT NEW.consent";
const NOT_COUNTED = "('failed', 'skipped')";
const ACTION_CHANGED = `(OLD.status IS NOT NEW.status AND (NEW.status IN ${NOT_COUNTED} OR OLD.status IN ${NOT_COUNTED})) OR OLD.replied_at IS NOT NEW.replied_at`;

function sqliteTriggers(): string[] {
  const trigger = (name: string, event: string, table: string, body: string, when?: string) =>
    `CREATE TRIGGER ${name} AFTER ${event} ON ${table} FOR EACH ROW${when ? ` WHEN ${when}` : ""} BEGIN ${body} END`;
  const both = (source: string, ref: string) =>
    markSql(`NEW.${source}`, `NEW.${ref}`) + markSql(`OLD.${source}`, `OLD.${ref}`);
  return [
    trigger("invoices_plan_insert", "INSERT", "invoices", markSql("NEW.source", "NEW.customer_ref")),
    trigger("invoices_plan_update", "UPDATE", "invoices", both("source", "customer_ref"), INVOICE_CHANGED),
    trigger("invoices_plan_delete", "DELETE", "invoices", markSql("OLD.source", "OLD.customer_ref")),
    trigger("customers_plan_insert", "INSERT", "customers", markSql("NEW.source", "NEW.external_id")),
    trigger("customers_plan_update", "UPDATE", "customers", both("source", "external_id"), CUSTOMER_CHANGED),
    trigger("customers_plan_delete", "DELETE", "customers", markSql("OLD.source", "OLD.external_id")),
    trigger("allocations_plan_insert", "INSERT", "payment_allocations", markByInvoiceSql("NEW")),
    trigger("allocations_plan_delete", "DELETE", "payment_allocations", markByInvoiceSql("OLD")),
    trigger(
      "opt_outs_plan_insert",
      "INSERT",
      "opt_outs",
      markSql("NEW.source", "NEW.customer_ref") + markByPhoneSql("NEW.phone"),
    ),
    trigger(
      "opt_outs_plan_delete",
      "DELETE",
      "opt_outs",
      markSql("OLD.source", "OLD.customer_ref") + markByPhoneSql("OLD.phone"),
    ),
    trigger("pauses_plan_insert", "INSERT", "pauses", markSql("NEW.source", "NEW.customer_ref")),
    trigger("pauses_plan_update", "UPDATE", "pauses", markSql("NEW.source", "NEW.customer_ref")),
    trigger("pauses_plan_delete", "DELETE", "pauses", markSql("OLD.source", "OLD.customer_ref")),
    trigger(
      "actions_plan_update",
      "UPDATE",
      "actions",
      markSql("NEW.source", "NEW.customer_ref"),
      ACTION_CHANGED,
    ),
    trigger("actions_plan_delete", "DELETE", "actions", markSql("OLD.source", "OLD.customer_ref")),
  ];
}

/** PostgreSQL: one row-trigger function per table; the same rules, `IS DISTINCT FROM` for IS NOT. */
function postgresTriggers(): string[] {
  const pg = (condition: string) => condition.replaceAll(" IS NOT ", " IS DISTINCT FROM ");
  const fn = (table: string, body: string) => [
    `CREATE FUNCTION regua_plan_changes_${table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN ${body} RETURN NULL; END $$`,
    `CREATE TRIGGER ${table}_plan_changes AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION regua_plan_changes_${table}()`,
  ];
  const onUpdateIf = (changed: string) =>
    `IF TG_OP = 'UPDATE' AND NOT (${pg(changed)}) THEN RETURN NULL; END IF;`;
  const old = (sqlText: string) => `IF TG_OP <> 'INSERT' THEN ${sqlText} END IF;`;
  const neu = (sqlText: string) => `IF TG_OP <> 'DELETE' THEN ${sqlText} END IF;`;
  return [
    ...fn(
      "invoices",
      onUpdateIf(INVOICE_CHANGED) +
        old(markSql("OLD.source", "OLD.customer_ref")) +
        neu(markSql("NEW.source", "NEW.customer_ref")),
    ),
    ...fn(
      "customers",
      onUpdateIf(CUSTOMER_CHANGED) +
        old(markSql("OLD.source", "OLD.external_id")) +
        neu(markSql("NEW.source", "NEW.external_id")),
    ),
    ...fn("payment_allocations", old(markByInvoiceSql("OLD")) + neu(markByInvoiceSql("NEW"))),
    ...fn(
      "opt_outs",
      old(markSql("OLD.source", "OLD.customer_ref") + markByPhoneSql("OLD.phone")) +
        neu(markSql("NEW.source", "NEW.customer_ref") + markByPhoneSql("NEW.phone")),
    ),
    ...fn(
      "pauses",
      old(markSql("OLD.source", "OLD.customer_ref")) + neu(markSql("NEW.source", "NEW.customer_ref")),
    ),
    ...fn(
      "actions",
      "IF TG_OP = 'INSERT' THEN RETURN NULL; END IF;" +
        onUpdateIf(ACTION_CHANGED) +
        old(markSql("OLD.source", "OLD.customer_ref")),
    ),
  ];
}
