import type {
  Connector,
  ConnectorCapabilities,
  EntityName,
  ListQuery,
  Page,
  RecordReject,
} from "../../src/contracts.js";
import type { CollectionActivity, Customer, Invoice, Payment } from "../../src/model.js";

type Item = Customer | Invoice | Payment;

/**
 * An ERP in memory. Every put() stamps the record with a growing change number; the cursor is
 * the change number of a page's last record, so an incremental listing returns what changed
 * since, in pages of `pageSize`. Failures can be scripted per entity.
 */
export class FakeConnector implements Connector {
  capabilities: ConnectorCapabilities = {
    payments: true,
    getInvoice: true,
    writeActivity: true,
    webhooks: false,
  };
  pageSize = 2;
  /** Cursors each listing started from, per entity. */
  readonly listings: { entity: EntityName; cursor: string | null }[] = [];
  /** Rejects to report with the first page of the next listing of an entity. */
  readonly rejects = new Map<EntityName, RecordReject[]>();
  /** Throw this error when the listing of `entity` reaches page `beforePage` (0-based), `times` times. */
  listFailure: { entity: EntityName; beforePage: number; error: Error; times: number } | null = null;
  readonly getInvoiceCalls: string[] = [];
  /** Written activities by key: the idempotency the contract promises. */
  readonly written = new Map<string, CollectionActivity>();
  writeCalls = 0;
  /** Errors the next writeActivity calls throw, in order. */
  readonly writeFailures: Error[] = [];
  private version = 0;
  private readonly records: Record<EntityName, Map<string, { version: number; item: Item }>> = {
    customers: new Map(),
    invoices: new Map(),
    payments: new Map(),
  };

  put(entity: EntityName, ...items: Item[]): void {
    for (const item of items) {
      this.version += 1;
      this.records[entity].set(item.externalId, { version: this.version, item: structuredClone(item) });
    }
  }

  /** Deletes a record in the "ERP": listings no longer return it, getInvoice answers null. */
  remove(entity: EntityName, externalId: string): void {
    this.records[entity].delete(externalId);
  }

  invoice(externalId: string): Invoice | undefined {
    return this.records.invoices.get(externalId)?.item as Invoice | undefined;
  }

  listCustomers(query: ListQuery): AsyncIterable<Page<Customer>> {
    return this.list("customers", query) as AsyncIterable<Page<Customer>>;
  }

  listInvoices(query: ListQuery): AsyncIterable<Page<Invoice>> {
    return this.list("invoices", query) as AsyncIterable<Page<Invoice>>;
  }

  listPayments(query: ListQuery): AsyncIterable<Page<Payment>> {
    return this.list("payments", query) as AsyncIterable<Page<Payment>>;
  }

  private async *list(entity: EntityName, query: ListQuery): AsyncIterable<Page<Item>> {
    const cursor = query.cursor ?? null;
    this.listings.push({ entity, cursor });
    const since = cursor === null ? 0 : Number(cursor);
    const changed = [...this.records[entity].values()]
      .filter((r) => r.version > since)
      .sort((a, b) => a.version - b.version);
    const rejects = this.rejects.get(entity) ?? [];
    this.rejects.delete(entity);
    for (
      let start = 0, page = 0;
      start < changed.length || (page === 0 && rejects.length > 0);
      start += this.pageSize, page++
    ) {
      const failure = this.listFailure;
      if (failure && failure.entity === entity && failure.beforePage === page && failure.times > 0) {
        failure.times -= 1;
        throw failure.error;
      }
      const chunk = changed.slice(start, start + this.pageSize);
      const last = chunk.at(-1)?.version ?? since;
      yield {
        items: chunk.map((r) => structuredClone(r.item)),
        cursor: String(last),
        rejects: page === 0 ? rejects : [],
      };
    }
  }

  /** Runs before each getInvoice answer: a test makes the fresh read slow, or throw. */
  beforeGetInvoice: ((externalId: string) => Promise<void>) | null = null;

  async getInvoice(externalId: string): Promise<Invoice | null> {
    this.getInvoiceCalls.push(externalId);
    await this.beforeGetInvoice?.(externalId);
    return structuredClone(this.invoice(externalId) ?? null);
  }

  async writeActivity(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }> {
    this.writeCalls += 1;
    const failure = this.writeFailures.shift();
    if (failure) throw failure;
    const created = !this.written.has(activity.key);
    if (created) this.written.set(activity.key, structuredClone(activity));
    return { externalId: `ACT-${[...this.written.keys()].indexOf(activity.key) + 1}`, created };
  }

  async healthCheck() {
    return { ok: true, detail: "fake" };
  }

  async close(): Promise<void> {}
}
