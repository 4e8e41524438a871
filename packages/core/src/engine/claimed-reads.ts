import type { ActionRow } from "../actions.js";
import { nextMacrotask } from "../clock.js";
import { type Customer, type Invoice, normalizePhone } from "../model.js";
import type { EngineContext } from "./context.js";
import { refreshInvoice } from "./refresh.js";

const keyOf = (source: string, externalId: string): string => `${source}\u0000${externalId}`;

/** Where a customer can be reached, or why not. */
export type Reach = string | "opted_out" | "undeliverable" | null;

/**
 * What delivering a claimed batch needs from the store, read once for the whole batch: its
 * customers, the opt-outs naming them or their phones, the flags on those phones, and the
 * invoices the ERP is not asked for afresh. One read per kind instead of five or six per action
 * (the dispatch benchmark: those reads and their query building were most of the dispatcher's
 * own time per message, and a batch's first send waited behind every other action's reads).
 *
 * The reads happen right after the claim, as each action's own reads did before its rate token.
 * A failed read fails every action of the batch the way its own read would have (retried).
 */
export class ClaimedReads {
  private constructor(
    private readonly ctx: EngineContext,
    private readonly customers: ReadonlyMap<string, Customer>,
    private readonly phones: ReadonlyMap<string, readonly string[]>,
    private readonly optedOutCustomers: ReadonlySet<string>,
    private readonly optedOutPhones: ReadonlySet<string>,
    private readonly flaggedPhones: ReadonlySet<string>,
    /** Sources whose invoices were read here; the others' are read from the ERP, one by one. */
    private readonly storedSources: ReadonlySet<string>,
    private readonly invoices: ReadonlyMap<string, Invoice>,
    private readonly failure: { error: unknown } | null,
  ) {}

  static async load(ctx: EngineContext, rows: readonly ActionRow[]): Promise<ClaimedReads> {
    try {
      return await ClaimedReads.read(ctx, rows);
    } catch (error) {
      const none = new Map();
      return new ClaimedReads(ctx, none, none, new Set(), new Set(), new Set(), new Set(), none, { error });
    }
  }

  private static async read(ctx: EngineContext, rows: readonly ActionRow[]): Promise<ClaimedReads> {
    // Two rounds of reads that do not depend on each other (on PostgreSQL each is a round trip,
    // and the pool runs them at once): the records, then what names their phones.
    const [customers, stored] = await Promise.all([readCustomers(ctx, rows), readInvoices(ctx, rows)]);
    await nextMacrotask(); // a send due meanwhile leaves between the two rounds (dispatch.ts)
    const phones = new Map<string, string[]>();
    for (const [key, customer] of customers) {
      const normalized = customer.phones
        .map((phone) => normalizePhone(phone, ctx.defaultRegion))
        .filter((phone): phone is string => phone !== null);
      phones.set(key, normalized);
    }
    const allPhones = [...new Set([...phones.values()].flat())];
    const named = [...customers.values()].map((c) => ({ source: c.source, customerRef: c.externalId }));
    const [optedOut, flags] = await Promise.all([
      ctx.store.optedOut({ phones: allPhones, customers: named }),
      ctx.store.phoneFlags(allPhones),
    ]);
    return new ClaimedReads(
      ctx,
      customers,
      phones,
      new Set(optedOut.customers.map((c) => keyOf(c.source, c.customerRef))),
      new Set(optedOut.phones),
      new Set(flags.map((flag) => flag.phone)),
      stored.sources,
      stored.invoices,
      null,
    );
  }

  /** The action's customer as the store has it, or null when the store has none. */
  customer(row: ActionRow): Customer | null {
    this.check();
    return this.customers.get(keyOf(row.source, row.customerRef)) ?? null;
  }

  /**
   * The first phone that is valid, not opted out and not flagged undeliverable; "opted_out" when
   * the customer (or every phone) is, "undeliverable" when every other phone is flagged.
   */
  reach(customer: Customer): Reach {
    this.check();
    const key = keyOf(customer.source, customer.externalId);
    if (customer.consent === "opted_out" || this.optedOutCustomers.has(key)) return "opted_out";
    const phones = this.phones.get(key) ?? [];
    if (phones.length === 0) return null;
    const usable = phones.filter((phone) => !this.optedOutPhones.has(phone));
    if (usable.length === 0) return "opted_out";
    // A number a channel reported undeliverable is not used until it changes or is cleared.
    return usable.find((phone) => !this.flaggedPhones.has(phone)) ?? "undeliverable";
  }

  /**
   * One of the action's invoices now: the stored copy read with the batch, or (a dunning step
   * whose connector can read one invoice) fresh from the ERP.
   */
  async invoice(row: ActionRow, ref: string, signal?: AbortSignal): Promise<Invoice | null> {
    this.check();
    if (row.kind === "lifecycle" || this.storedSources.has(row.source))
      return this.invoices.get(keyOf(row.source, ref)) ?? null;
    return refreshInvoice(this.ctx, row.source, ref, signal);
  }

  private check(): void {
    if (this.failure !== null) throw this.failure.error;
  }
}

/** The customers of the actions that send something, by source and id. */
async function readCustomers(ctx: EngineContext, rows: readonly ActionRow[]): Promise<Map<string, Customer>> {
  const customers = new Map<string, Customer>();
  for (const [source, refs] of refsBySource(rows, (row) => (row.channel === null ? [] : [row.customerRef]))) {
    for (const customer of await ctx.store.getCustomers(source, refs))
      customers.set(keyOf(source, customer.externalId), customer);
  }
  return customers;
}

/**
 * The stored invoices the batch needs: every invoice of a source whose connector cannot read
 * one afresh (those `sources`), and a lifecycle message's invoices whatever the connector can do.
 */
async function readInvoices(
  ctx: EngineContext,
  rows: readonly ActionRow[],
): Promise<{ sources: Set<string>; invoices: Map<string, Invoice> }> {
  const sources = new Set<string>();
  for (const row of rows) {
    const connector = ctx.connectors.get(row.source);
    // With getInvoice each action asks the ERP afresh ("skip if paid since the plan").
    if (connector && !(connector.capabilities.getInvoice && connector.getInvoice)) sources.add(row.source);
  }
  const needed = (row: ActionRow) =>
    sources.has(row.source) || row.kind === "lifecycle" ? row.invoiceRefs : [];
  const invoices = new Map<string, Invoice>();
  for (const [source, refs] of refsBySource(rows, needed)) {
    for (const invoice of await ctx.store.getInvoices(source, refs))
      invoices.set(keyOf(source, invoice.externalId), invoice);
  }
  return { sources, invoices };
}

function refsBySource(
  rows: readonly ActionRow[],
  refsOf: (row: ActionRow) => readonly string[],
): Map<string, string[]> {
  const bySource = new Map<string, Set<string>>();
  for (const row of rows) {
    const refs = refsOf(row);
    if (refs.length === 0) continue;
    const set = bySource.get(row.source) ?? new Set<string>();
    for (const ref of refs) set.add(ref);
    bySource.set(row.source, set);
  }
  return new Map([...bySource].map(([source, refs]) => [source, [...refs]]));
}
