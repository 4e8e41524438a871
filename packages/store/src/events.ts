import { type AuditEntry, ValidationError } from "@regua/core";
import { groupBySource, recordKey } from "./batch.js";
import { readDetail, toInstant } from "./codec.js";
import { inList } from "./in-list.js";
import type { Db, StoreContext } from "./schema.js";

/** Webhook dedupe, opt-outs and the append-only audit log (pauses: contacts.ts). */

export async function recordInboundEvent(
  ctx: StoreContext,
  event: { provider: string; eventId: string; payload: unknown; receivedAt: string },
): Promise<boolean> {
  const inserted = await ctx.db
    .insertInto("inbound_events")
    .values({
      provider: event.provider,
      event_id: event.eventId,
      payload: JSON.stringify(event.payload ?? null),
      received_at: toInstant(event.receivedAt),
    })
    .onConflict((oc) => oc.columns(["provider", "event_id"]).doNothing())
    .returning("event_id")
    .execute();
  return inserted.length > 0;
}

export interface OptOutInput {
  phone: string | null;
  source: string | null;
  customerRef: string | null;
  reason: string;
  at: string;
}

export async function setOptOut(ctx: StoreContext, optOut: OptOutInput): Promise<void> {
  if (optOut.phone === null && (optOut.source === null || optOut.customerRef === null)) {
    throw new ValidationError("setOptOut needs a phone, or a source and a customerRef");
  }
  await ctx.db
    .insertInto("opt_outs")
    .values({
      phone: optOut.phone,
      source: optOut.source,
      customer_ref: optOut.customerRef,
      reason: optOut.reason,
      at: toInstant(optOut.at),
    })
    .execute();
}

/** Opted out by phone, by an opt-out naming the record, or by the ERP's own consent field. */
export async function isOptedOut(
  ctx: StoreContext,
  query: { phone?: string; source?: string; customerRef?: string },
): Promise<boolean> {
  const { phone, source, customerRef } = query;
  const byRecord = source !== undefined && customerRef !== undefined;
  if (phone === undefined && !byRecord) return false;
  const row = await ctx.db
    .selectFrom("opt_outs")
    .select("id")
    .where((eb) => {
      const matches = [];
      if (phone !== undefined) matches.push(eb("phone", "=", phone));
      if (byRecord) matches.push(eb.and([eb("source", "=", source), eb("customer_ref", "=", customerRef)]));
      return eb.or(matches);
    })
    .limit(1)
    .executeTakeFirst();
  if (row) return true;
  if (!byRecord) return false;
  const customer = await ctx.db
    .selectFrom("customers")
    .select("consent")
    .where("source", "=", source)
    .where("external_id", "=", customerRef)
    .executeTakeFirst();
  return customer?.consent === "opted_out";
}

/**
 * Of these phones and records, the ones an opt-out row names, in one read (the dispatcher's
 * batch; the record's own consent field travels with the customer record).
 */
export async function optedOut(
  ctx: StoreContext,
  query: { phones: readonly string[]; customers: readonly { source: string; customerRef: string }[] },
): Promise<{ phones: string[]; customers: { source: string; customerRef: string }[] }> {
  const phones = [...new Set(query.phones)];
  const { customers } = query;
  if (phones.length === 0 && customers.length === 0) return { phones: [], customers: [] };
  const rows = await ctx.db
    .selectFrom("opt_outs")
    .select(["phone", "source", "customer_ref"])
    .where((eb) => {
      const matches = [];
      if (phones.length > 0) matches.push(inList(ctx.dialect, "phone", phones));
      for (const [source, refs] of groupBySource(customers)) {
        const customerRefs = [...new Set(refs.map((c) => c.customerRef))];
        matches.push(eb.and([eb("source", "=", source), inList(ctx.dialect, "customer_ref", customerRefs)]));
      }
      return eb.or(matches);
    })
    .execute();
  const phoneSet = new Set(phones);
  const named = new Set(
    rows.flatMap((row) =>
      row.source === null || row.customer_ref === null ? [] : [recordKey(row.source, row.customer_ref)],
    ),
  );
  return {
    phones: [
      ...new Set(rows.map((row) => row.phone).filter((p): p is string => p !== null && phoneSet.has(p))),
    ],
    customers: customers.filter((c) => named.has(recordKey(c.source, c.customerRef))),
  };
}

export async function appendAudit(ctx: StoreContext, entry: AuditEntry): Promise<void> {
  await appendAuditIn(ctx.db, entry);
}

/** Appends inside the caller's transaction (or on the plain connection). */
export async function appendAuditIn(db: Db, entry: AuditEntry): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: toInstant(entry.at),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      detail: JSON.stringify(entry.detail),
    })
    .execute();
}

/** Newest first. */
export async function listAudit(
  ctx: StoreContext,
  options: { limit?: number; subject?: string } = {},
): Promise<AuditEntry[]> {
  let query = ctx.db.selectFrom("audit_log").select(["at", "actor", "action", "subject", "detail"]);
  if (options.subject !== undefined) query = query.where("subject", "=", options.subject);
  const rows = await query
    .orderBy("id", "desc")
    .limit(options.limit ?? 100)
    .execute();
  return rows.map((row) => ({
    at: row.at,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    detail: readDetail(row.detail),
  }));
}
