import {
  type ActionHistoryEntry,
  type CustomerPaymentFacts,
  DUNNABLE_STATUSES,
  type InvoiceFact,
  PermanentError,
  PROMISE_AUDIT_ACTION,
  type PromiseFact,
  type RiskModel,
  RiskModelSchema,
  type RiskStore,
  type StoredRiskModel,
} from "@regua/core";
import { type Kysely, sql } from "kysely";
import { z } from "zod";
import type { Dialect, StoreContext } from "./schema.js";
import { auditSubjects, paidOnOf } from "./snapshot-queries.js";
import { snapshotHistoryEntry } from "./snapshot-records.js";

/** 0280 (issue 16): every trained payment-risk model, its coefficients as JSON; the latest is used. */
export async function riskModelsTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === "postgres" ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("risk_models")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("horizon_days", "integer", (c) => c.notNull())
    .addColumn("model", "text", (c) => c.notNull())
    .execute();
}

/** What training looks at: invoices that were dunned or paid (not void, cancelled or replaced). */
const TRAINING_STATUSES = [...DUNNABLE_STATUSES, "paid", "written_off"];
const MAX_BATCH = 5_000;
const PromiseDetail = z.object({ until: z.string() });

export function createRiskStore(ctx: StoreContext): RiskStore {
  return {
    async saveModel(model, at) {
      const row = await ctx.db
        .insertInto("risk_models")
        .values({ created_at: at, horizon_days: model.horizonDays, model: JSON.stringify(model) })
        .returning("id")
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    async latestModel() {
      const row = await ctx.db
        .selectFrom("risk_models")
        .selectAll()
        .orderBy("id", "desc")
        .limit(1)
        .executeTakeFirst();
      return row ? readModel(row) : null;
    },
    paymentFacts: (options) => paymentFacts(ctx, options ?? {}),
  };
}

/** The stored JSON goes through the core schema: a model written by another version is refused with why. */
function readModel(row: { id: number | string; created_at: string; model: string }): StoredRiskModel {
  const parsed = RiskModelSchema.safeParse(JSON.parse(row.model));
  if (!parsed.success) {
    throw new PermanentError(
      `risk model ${row.id} does not match this version of @regua/core (${parsed.error.issues[0]?.message}); run regua score to train a new one`,
    );
  }
  return { id: Number(row.id), model: parsed.data satisfies RiskModel, createdAt: row.created_at };
}

async function* paymentFacts(
  ctx: StoreContext,
  options: { batchSize?: number; source?: string },
): AsyncGenerator<CustomerPaymentFacts[]> {
  const limit = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 1_000));
  let after: { source: string; ref: string } | null = null;
  for (;;) {
    let query = ctx.db
      .selectFrom("customers")
      .select(["source", "external_id"])
      .orderBy("source")
      .orderBy("external_id")
      .limit(limit);
    if (options.source !== undefined) query = query.where("source", "=", options.source);
    if (after !== null) {
      const { source, ref } = after;
      query = query.where((eb) => eb(eb.refTuple("source", "external_id"), ">", eb.tuple(source, ref)));
    }
    const customers = await query.execute();
    if (customers.length === 0) return;
    const bySource = new Map<string, string[]>();
    for (const row of customers) {
      const refs = bySource.get(row.source) ?? [];
      refs.push(row.external_id);
      bySource.set(row.source, refs);
    }
    const batch: CustomerPaymentFacts[] = [];
    for (const [source, refs] of bySource) batch.push(...(await factsOf(ctx, source, refs)));
    if (batch.length > 0) yield batch;
    if (customers.length < limit) return;
    const last = customers[customers.length - 1] as { source: string; external_id: string };
    after = { source: last.source, ref: last.external_id };
  }
}

async function factsOf(ctx: StoreContext, source: string, refs: string[]): Promise<CustomerPaymentFacts[]> {
  const { db } = ctx;
  const invoices = await db
    .selectFrom("invoices as i")
    .select((eb) => [
      "i.customer_ref",
      "i.external_id",
      "i.due_date",
      "i.total_minor",
      "i.status",
      paidOnOf(eb).as("paid_on"),
    ])
    .where("i.source", "=", source)
    .where("i.customer_ref", "in", refs)
    .where("i.status", "in", TRAINING_STATUSES)
    .orderBy("i.customer_ref")
    .orderBy("i.due_date")
    .orderBy("i.external_id")
    .execute();
  const history = await db
    .selectFrom("actions")
    .select(["customer_ref", "key", "step_id", "invoice_refs", "status", "due_at", "sent_at", "replied_at"])
    .where("source", "=", source)
    .where("customer_ref", "in", refs)
    .orderBy("due_at")
    .orderBy("key")
    .execute();
  const promises = await db
    .selectFrom("audit_log")
    .select(["subject", "at", "detail"])
    .where("action", "=", PROMISE_AUDIT_ACTION)
    .where("subject", "in", auditSubjects(source, refs))
    .execute();
  type Building = CustomerPaymentFacts & {
    invoices: InvoiceFact[];
    history: ActionHistoryEntry[];
    promises: PromiseFact[];
  };
  const facts = new Map<string, Building>();
  const factsFor = (ref: string) => {
    let entry = facts.get(ref);
    if (!entry) {
      entry = { source, customerRef: ref, invoices: [], history: [], promises: [] };
      facts.set(ref, entry);
    }
    return entry;
  };
  for (const row of invoices) {
    const paidOn = row.status === "paid" ? row.paid_on.slice(0, 10) : null;
    factsFor(row.customer_ref).invoices.push({
      externalId: row.external_id,
      dueDate: row.due_date,
      amountMinor: Number(row.total_minor),
      paidOn,
    });
  }
  for (const row of history) factsFor(row.customer_ref).history.push(snapshotHistoryEntry(row));
  for (const row of promises) {
    const parsed = PromiseDetail.safeParse(safeJson(row.detail));
    if (parsed.success) {
      factsFor(row.subject.slice(source.length + 1)).promises.push({
        madeAt: row.at,
        until: parsed.data.until,
      });
    }
  }
  return refs.flatMap((ref) => {
    const entry = facts.get(ref);
    return entry && entry.invoices.length > 0 ? [entry] : [];
  });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
