import type {
  ActionHistoryEntry,
  ActionKind,
  ActionRow,
  ActionStatus,
  CustomerSnapshot,
  PlannedAction,
} from "../../src/actions.js";
import type { EntityName, KeyValueState } from "../../src/contracts.js";
import { MemoryKeyValueState } from "../../src/kv-memory.js";
import {
  type CollectionActivity,
  type Customer,
  type Invoice,
  type InvoiceState,
  isDunnable,
  isOlderCopy,
  type Payment,
} from "../../src/model.js";
import type { LedgerFigures, LedgerQuery, PeriodFigures, ReportPeriod } from "../../src/report-figures.js";
import type {
  ActionPatch,
  ActivityRow,
  ActivityStatus,
  AuditEntry,
  CommitResult,
  DunningStore,
  InvoiceStatusChange,
  InvoiceUpsert,
  MessageCost,
  NewWebhookBatch,
  PauseRow,
  PhoneFlag,
  QuarantinedRecord,
  QueuedWebhook,
  StoreReport,
  SyncPage,
  SyncRun,
} from "../../src/store-port.js";
import { MemoryOutbox } from "./memory-outbox.js";

const stateOf = (invoice: Invoice): InvoiceState => (invoice.deletedAt ? "deleted" : invoice.status);
const clone = <T>(value: T): T => structuredClone(value);
const recordKey = (source: string, externalId: string) => `${source}\u0000${externalId}`;

/**
 * A test double of the DunningStore port, in memory. Faithful to the port's semantics where
 * the engine depends on them: page + cursor commit together, unique keys, compare-and-set
 * transitions, leases, dedupe of inbound events. Everything returned is a copy.
 */
export class MemoryStore extends MemoryOutbox implements DunningStore {
  readonly customers = new Map<string, Customer>();
  readonly invoices = new Map<string, Invoice>();
  readonly payments = new Map<string, Payment>();
  readonly cursors = new Map<string, string | null>();
  readonly syncRuns: SyncRun[] = [];
  readonly audit: AuditEntry[] = this.auditLog;
  readonly inboundEvents = new Map<string, unknown>();
  readonly optOuts: {
    phone: string | null;
    source: string | null;
    customerRef: string | null;
    reason: string;
  }[] = [];
  private readonly kv = new Map<string, MemoryKeyValueState>();

  async migrate(): Promise<void> {}
  async close(): Promise<void> {}

  async getCursor(source: string, entity: EntityName): Promise<string | null> {
    return this.cursors.get(`${source}/${entity}`) ?? null;
  }

  async commitPage(page: SyncPage): Promise<CommitResult> {
    const changes: InvoiceStatusChange[] = [];
    const applied: boolean[] = [];
    for (const customer of page.customers ?? []) applied.push(this.put("customers", customer, page.at));
    for (const invoice of page.invoices ?? []) {
      const change = this.changeOf(invoice);
      const stored = this.put("invoices", invoice, page.at);
      if (change && stored) changes.push(change);
      applied.push(stored);
    }
    for (const payment of page.payments ?? []) applied.push(this.put("payments", payment, page.at));
    this.quarantine.push(...clone(page.quarantined ?? []));
    this.cursors.set(`${page.source}/${page.entity}`, page.cursor);
    const upserted = applied.filter(Boolean).length;
    return { upserted, stale: applied.length - upserted, changes };
  }

  /** When each record was last synced: the full-reconcile diff reads it. */
  readonly syncedAt = new Map<string, string>();
  readonly quarantine: QuarantinedRecord[] = [];

  /** Newest wins, as the port says: false (and only the sighting kept) for an older copy. */
  private put<T extends Customer | Invoice | Payment>(entity: EntityName, record: T, at: string): boolean {
    const key = recordKey(record.source, record.externalId);
    const table = this.tableOf(entity) as Map<string, T>;
    this.syncedAt.set(`${entity}/${key}`, at);
    const stored = table.get(key);
    if (stored && isOlderCopy(record, stored)) return false;
    table.set(key, clone(record));
    return true;
  }

  private changeOf(invoice: Invoice): InvoiceStatusChange | null {
    const before = this.invoices.get(recordKey(invoice.source, invoice.externalId));
    if (!before || stateOf(before) === stateOf(invoice)) return null;
    const { externalId, customerRef } = invoice;
    return {
      externalId,
      customerRef,
      previous: stateOf(before),
      current: stateOf(invoice),
      replacedBy: invoice.replacedBy ?? [],
    };
  }

  private tableOf(entity: EntityName): Map<string, Customer | Invoice | Payment> {
    return entity === "customers" ? this.customers : entity === "invoices" ? this.invoices : this.payments;
  }

  async markDeleted(deletion: Parameters<DunningStore["markDeleted"]>[0]): Promise<InvoiceStatusChange[]> {
    const table = this.tableOf(deletion.entity);
    const changes: InvoiceStatusChange[] = [];
    for (const externalId of new Set(deletion.externalIds)) {
      const record = table.get(recordKey(deletion.source, externalId));
      if (!record || record.deletedAt) continue;
      if (deletion.entity === "invoices") {
        const invoice = record as Invoice;
        changes.push({
          externalId,
          customerRef: invoice.customerRef,
          previous: invoice.status,
          current: "deleted",
          replacedBy: [],
        });
      }
      record.deletedAt = deletion.at;
    }
    return changes;
  }

  async markUnseenDeleted(
    reconcile: Parameters<DunningStore["markUnseenDeleted"]>[0],
  ): Promise<{ deleted: number; changes: InvoiceStatusChange[] }> {
    const unseen = [...this.tableOf(reconcile.entity).values()]
      .filter((r) => r.source === reconcile.source && !r.deletedAt && !reconcile.keep.includes(r.externalId))
      .filter(
        (r) =>
          (this.syncedAt.get(`${reconcile.entity}/${recordKey(r.source, r.externalId)}`) ?? "") <
          reconcile.passStartedAt,
      )
      .map((r) => r.externalId);
    const changes = await this.markDeleted({ ...reconcile, externalIds: unseen });
    return { deleted: unseen.length, changes };
  }

  async listQuarantine(options: { source?: string; limit?: number } = {}): Promise<QuarantinedRecord[]> {
    const rows = this.quarantine.filter((q) => options.source === undefined || q.source === options.source);
    return clone(rows.reverse().slice(0, options.limit ?? 100));
  }

  async recordSyncRun(run: SyncRun): Promise<void> {
    this.syncRuns.push(clone(run));
  }

  async getCustomer(source: string, externalId: string): Promise<Customer | null> {
    return clone(this.customers.get(recordKey(source, externalId)) ?? null);
  }

  async getInvoice(source: string, externalId: string): Promise<Invoice | null> {
    return clone(this.invoices.get(recordKey(source, externalId)) ?? null);
  }

  async getCustomers(source: string, externalIds: readonly string[]): Promise<Customer[]> {
    const found = [...new Set(externalIds)].map((id) => this.customers.get(recordKey(source, id)));
    return clone(found.filter((c): c is Customer => c !== undefined));
  }

  async getInvoices(source: string, externalIds: readonly string[]): Promise<Invoice[]> {
    const found = [...new Set(externalIds)].map((id) => this.invoices.get(recordKey(source, id)));
    return clone(found.filter((i): i is Invoice => i !== undefined));
  }

  async upsertInvoice(invoice: Invoice, at: string): Promise<InvoiceUpsert> {
    const change = this.changeOf(invoice);
    const applied = this.put("invoices", invoice, at);
    return { applied, change: applied ? change : null };
  }

  async findCustomersByPhone(phone: string): Promise<Customer[]> {
    return [...this.customers.values()].filter((c) => c.phones.includes(phone)).map(clone);
  }

  readonly pauses = new Map<string, PauseRow>();

  async setPause(pause: Parameters<DunningStore["setPause"]>[0]) {
    this.pauses.set(recordKey(pause.source, pause.customerRef), {
      source: pause.source,
      customerRef: pause.customerRef,
      until: pause.until,
      reason: pause.reason,
      kind: pause.kind ?? "policy",
      at: pause.at,
    });
  }

  async getPause(source: string, customerRef: string): Promise<PauseRow | null> {
    return clone(this.pauses.get(recordKey(source, customerRef)) ?? null);
  }

  readonly phoneFlagsByPhone = new Map<string, PhoneFlag>();

  async flagPhone(flag: PhoneFlag): Promise<void> {
    this.phoneFlagsByPhone.set(flag.phone, clone(flag));
  }

  async clearPhoneFlag(phone: string): Promise<boolean> {
    return this.phoneFlagsByPhone.delete(phone);
  }

  async phoneFlags(phones: readonly string[]): Promise<PhoneFlag[]> {
    return phones.flatMap((phone) => {
      const flag = this.phoneFlagsByPhone.get(phone);
      return flag ? [clone(flag)] : [];
    });
  }

  readonly costs = new Map<string, MessageCost>();

  async recordMessageCost(cost: MessageCost): Promise<void> {
    this.costs.set(cost.providerMessageId, clone(cost));
  }

  async *snapshots(options: {
    batchSize?: number;
    source?: string;
    now: string;
  }): AsyncIterable<CustomerSnapshot[]> {
    this.lastSnapshotNow = options.now;
    const size = options.batchSize ?? 100;
    const customers = [...this.customers.values()]
      .filter((c) => options.source === undefined || c.source === options.source)
      .sort((a, b) => recordKey(a.source, a.externalId).localeCompare(recordKey(b.source, b.externalId)));
    let batch: CustomerSnapshot[] = [];
    for (const customer of customers) {
      const snapshot = await this.snapshotOf(customer, options.now);
      if (snapshot.invoices.length === 0) continue;
      batch.push(snapshot);
      if (batch.length >= size) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** The `now` the engine passed to the last snapshots() call. */
  lastSnapshotNow: string | null = null;

  private readonly rates = new Map<string, number>();

  /** The same schedule as @regua/store's (GCRA), in memory. */
  async reserveRate(options: {
    key: string;
    perSecond: number;
    burst: number;
    count: number;
    nowMs: number;
  }) {
    const intervalMs = 1000 / options.perSecond;
    const toleranceMs = Math.max(0, options.burst - 1) * intervalMs;
    const firstMs = Math.max(
      this.rates.get(options.key) ?? Number.NEGATIVE_INFINITY,
      options.nowMs - toleranceMs,
    );
    this.rates.set(options.key, firstMs + options.count * intervalMs);
    return { firstMs };
  }

  /** No change marks here: every plan is a full one (incremental plans are @regua/store's). */
  async beginPlan(): Promise<{ incremental: boolean }> {
    return { incremental: false };
  }

  async finishPlan(): Promise<void> {}

  private async snapshotOf(customer: Customer, now: string | undefined): Promise<CustomerSnapshot> {
    const pause = this.pauses.get(recordKey(customer.source, customer.externalId));
    const pausedUntil = pause?.until && (now === undefined || pause.until > now) ? pause.until : null;
    const pauseEndedAt = pause?.until && pausedUntil === null ? pause.until : null;
    const invoices = [...this.invoices.values()].filter(
      (i) =>
        i.source === customer.source &&
        i.customerRef === customer.externalId &&
        isDunnable(i.status) &&
        !i.deletedAt,
    );
    const optedOut =
      customer.consent === "opted_out" ||
      (await this.isOptedOut({ source: customer.source, customerRef: customer.externalId })) ||
      (await Promise.all(customer.phones.map((phone) => this.isOptedOut({ phone })))).some(Boolean);
    return {
      customer: clone(customer),
      invoices: clone(invoices),
      history: await this.actionHistory(customer.source, customer.externalId),
      payments: { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
      optedOut,
      pausedUntil,
      pauseEndedAt,
      undeliverablePhones: (await this.phoneFlags(customer.phones)).map((flag) => flag.phone),
    };
  }

  async recordInboundEvent(event: { provider: string; eventId: string; payload: unknown }): Promise<boolean> {
    const key = `${event.provider}/${event.eventId}`;
    if (this.inboundEvents.has(key)) return false;
    this.inboundEvents.set(key, clone(event.payload));
    return true;
  }

  async setOptOut(optOut: Parameters<DunningStore["setOptOut"]>[0]): Promise<void> {
    this.optOuts.push({
      phone: optOut.phone,
      source: optOut.source,
      customerRef: optOut.customerRef,
      reason: optOut.reason,
    });
  }

  /** Opted out when any given criterion matches an opt-out (by phone, or by record). */
  async isOptedOut(query: { phone?: string; source?: string; customerRef?: string }): Promise<boolean> {
    return this.optOuts.some(
      (o) =>
        (query.phone !== undefined && o.phone === query.phone) ||
        (query.customerRef !== undefined && o.source === query.source && o.customerRef === query.customerRef),
    );
  }

  async optedOut(query: {
    phones: readonly string[];
    customers: readonly { source: string; customerRef: string }[];
  }): Promise<{ phones: string[]; customers: { source: string; customerRef: string }[] }> {
    return {
      phones: [...new Set(query.phones)].filter((phone) => this.optOuts.some((o) => o.phone === phone)),
      customers: query.customers.filter((c) =>
        this.optOuts.some((o) => o.source === c.source && o.customerRef === c.customerRef),
      ),
    };
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    this.audit.push(clone(entry));
  }

  async listAudit(options: { limit?: number; subject?: string } = {}): Promise<AuditEntry[]> {
    const entries = this.audit.filter((e) => options.subject === undefined || e.subject === options.subject);
    return clone(entries.slice(-(options.limit ?? entries.length)).reverse());
  }

  readonly webhookQueue: (QueuedWebhook & {
    claimedUntil: string | null;
    claimedBy: string | null;
    done: boolean;
  })[] = [];

  async enqueueWebhook(batch: NewWebhookBatch): Promise<number> {
    const id = this.webhookQueue.length + 1;
    this.webhookQueue.push({
      id,
      kind: batch.kind,
      plugin: batch.plugin,
      receivedAt: batch.receivedAt,
      events: clone([...batch.events]),
      applied: 0,
      claimedUntil: null,
      claimedBy: null,
      done: false,
    });
    return id;
  }

  async claimWebhookBatch(options: { workerId: string; now: string; leaseUntil: string }) {
    const row = this.webhookQueue.find(
      (b) =>
        !b.done &&
        (b.claimedUntil === null || b.claimedUntil < options.now || b.claimedBy === options.workerId),
    );
    if (!row) return null;
    row.claimedBy = options.workerId;
    row.claimedUntil = options.leaseUntil;
    const { id, kind, plugin, receivedAt, events, applied } = row;
    return { id, kind, plugin, receivedAt, events: clone(events), applied };
  }

  async advanceWebhookBatch(id: number, progress: { workerId: string; applied: number; done: boolean }) {
    const row = this.webhookQueue.find((b) => b.id === id && b.claimedBy === progress.workerId);
    if (!row) return;
    row.applied = progress.applied;
    row.done = progress.done;
  }

  async webhookBacklog(): Promise<number> {
    return this.webhookQueue.filter((b) => !b.done).reduce((n, b) => n + b.events.length - b.applied, 0);
  }

  async purgeWebhookHistory(_before: string) {
    return { batches: 0, events: 0 };
  }

  async report(_now: string): Promise<StoreReport> {
    const counts = new Map<string, { kind: ActionKind; status: ActionStatus; count: number }>();
    for (const row of this.actions.values()) {
      const id = `${row.kind}/${row.status}`;
      const entry = counts.get(id) ?? { kind: row.kind, status: row.status, count: 0 };
      entry.count += 1;
      counts.set(id, entry);
    }
    const activityCounts = new Map<ActivityStatus, number>();
    for (const row of this.activities.values())
      activityCounts.set(row.status, (activityCounts.get(row.status) ?? 0) + 1);
    return {
      aging: [],
      actionsByStatus: [...counts.values()],
      recoveredAfterContact: [],
      activitiesByStatus: [...activityCounts].map(([status, count]) => ({ status, count })),
      messagesByPricing: this.pricingCounts(),
      flaggedPhones: [...this.phoneFlagsByPhone.values()].map(clone),
      sync: [],
      quarantine: [],
      unknowns: this.unknowns(),
    };
  }

  /** The engine's tests never read period reports; the SQL stores' suite covers them. */
  async periodFigures(period: ReportPeriod): Promise<PeriodFigures> {
    return { period, messages: [], pricing: [], recovered: [] };
  }

  async ledgerFigures(_query: LedgerQuery): Promise<LedgerFigures> {
    return { receivables: [], curves: [] };
  }

  private pricingCounts(): StoreReport["messagesByPricing"] {
    const counts = new Map<string, StoreReport["messagesByPricing"][number]>();
    for (const cost of this.costs.values()) {
      const id = `${cost.channel}/${cost.category}/${cost.billable}`;
      const entry = counts.get(id) ?? {
        channel: cost.channel,
        category: cost.category,
        billable: cost.billable,
        count: 0,
      };
      entry.count += 1;
      counts.set(id, entry);
    }
    return [...counts.values()];
  }

  private unknowns(): StoreReport["unknowns"] {
    const counts = new Map<StoreReport["unknowns"][number]["resolution"], number>();
    for (const row of this.actions.values()) {
      const waiting = row.status === "unknown" && (row.reconciled ?? "resent") === "resent";
      const resolution = waiting ? "waiting" : row.reconciled;
      if (resolution) counts.set(resolution, (counts.get(resolution) ?? 0) + 1);
    }
    return [...counts].map(([resolution, count]) => ({ resolution, count }));
  }

  state(namespace: string): KeyValueState {
    let state = this.kv.get(namespace);
    if (!state) {
      state = new MemoryKeyValueState();
      this.kv.set(namespace, state);
    }
    return state;
  }
}

export type { ActionHistoryEntry, ActionPatch, ActionRow, ActivityRow, CollectionActivity, PlannedAction };
