import {
  AuthError,
  type Clock,
  type CollectionActivity,
  type Connector,
  type ConnectorCapabilities,
  type ConnectorDefinition,
  Customer,
  type CustomerInput,
  defineConnector,
  describeZodError,
  type EntityName,
  Invoice,
  type InvoiceInput,
  type ListQuery,
  type Page,
  Payment,
  type PaymentInput,
  type RecordReject,
  systemClock,
  ValidationError,
} from "@regua/core";
import { z } from "zod";
import { customersByTaxId, type MemoryReads, memoryDocument, openInvoicesOf } from "./memory-reads.js";

/** A record as a test writes it: the canonical input shape; `source` is filled in at listing time. */
export type MemoryRecord<T> = Omit<T, "source"> & { source?: string };

export interface MemoryConnectorData {
  customers?: MemoryRecord<CustomerInput>[];
  invoices?: MemoryRecord<InvoiceInput>[];
  payments?: MemoryRecord<PaymentInput>[];
}

export interface MemoryConnectorOptions {
  /** The definition id (what config would name). Default "@regua/testkit/memory-connector". */
  id?: string;
  /** Records per page. Default 50. */
  pageSize?: number;
  /** Overrides; default: everything but webhooks. Undeclared methods are left off the connector. */
  capabilities?: Partial<ConnectorCapabilities>;
  /** When set, `create()` options must carry this token, or every call fails with AuthError. */
  token?: string;
  /** Stamps `updatedAt` on changes made through the handle. Default: the system clock. */
  clock?: Clock;
}

export const MemoryConnectorOptionsSchema = z.object({ token: z.string().optional() });
export type MemoryConnectorConfig = z.output<typeof MemoryConnectorOptionsSchema>;

export interface WrittenActivity {
  externalId: string;
  activity: CollectionActivity;
}

/** What a test holds: the definition to hand the engine, and levers on the "ERP" behind it. */
export interface MemoryConnector {
  definition: ConnectorDefinition<typeof MemoryConnectorOptionsSchema>;
  /** Activities written back, in order, one per key. */
  readonly activities: readonly WrittenActivity[];
  /** Inserts or replaces a record; it becomes the newest change (incremental listings return it). */
  upsert(entity: "customers", record: MemoryRecord<CustomerInput>): void;
  upsert(entity: "invoices", record: MemoryRecord<InvoiceInput>): void;
  upsert(entity: "payments", record: MemoryRecord<PaymentInput>): void;
  /** Patches an invoice (a change: its updatedAt moves). Throws when it does not exist. */
  updateInvoice(externalId: string, patch: Partial<MemoryRecord<InvoiceInput>>): void;
  /** Marks an invoice paid in full (openAmount 0, status paid). */
  markPaid(externalId: string): void;
  /** Removes a record (a full reconcile no longer lists it). */
  remove(entity: EntityName, externalId: string): void;
  /** The externalIds held now, per entity (the conformance suites' `holds` hook). */
  ids(): Record<EntityName, string[]>;
  /** The next `times` connector calls (any method) fail with `error`. */
  failNext(error: Error, times?: number): void;
}

interface Stored {
  seq: number;
  record: Record<string, unknown> & { externalId: string };
}

const DEFAULT_CAPABILITIES: Required<ConnectorCapabilities> = {
  payments: true,
  getInvoice: true,
  writeActivity: true,
  webhooks: false,
  documents: true,
  lookups: true,
};

/**
 * An in-memory connector for engine and runner tests. Records change in sequence order; the
 * cursor is the sequence number of the last record returned, so paging is keyset-based and an
 * incremental listing returns exactly what changed since.
 */
export function createMemoryConnector(
  data: MemoryConnectorData = {},
  options: MemoryConnectorOptions = {},
): MemoryConnector {
  const clock = options.clock ?? systemClock;
  const pageSize = options.pageSize ?? 50;
  const capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  const tables: Record<EntityName, Map<string, Stored>> = {
    customers: new Map(),
    invoices: new Map(),
    payments: new Map(),
  };
  const activities: WrittenActivity[] = [];
  const failures: { error: Error; remaining: number }[] = [];
  let seq = 0;

  const put = (entity: EntityName, record: Stored["record"], stamp: boolean) => {
    const copy: Stored["record"] = structuredClone(record) as Stored["record"];
    if (stamp) copy.updatedAt = clock.now().toISOString();
    tables[entity].set(copy.externalId, { seq: ++seq, record: copy });
  };
  for (const r of data.customers ?? []) put("customers", r, false);
  for (const r of data.invoices ?? []) put("invoices", r, false);
  for (const r of data.payments ?? []) put("payments", r, false);

  const maybeFail = () => {
    const next = failures[0];
    if (!next) return;
    next.remaining -= 1;
    if (next.remaining <= 0) failures.shift();
    throw next.error;
  };

  /** The stored records that parse, as a fresh read returns them. */
  const parsedRows = <T>(entity: EntityName, schema: z.ZodType<T>, source: string): T[] =>
    [...tables[entity].values()].flatMap((row) => {
      const parsed = schema.safeParse({ ...row.record, source, raw: row.record });
      return parsed.success ? [parsed.data] : [];
    });

  const definition = defineConnector({
    id: options.id ?? "@regua/testkit/memory-connector",
    displayName: "In-memory connector (testkit)",
    capabilities,
    optionsSchema: MemoryConnectorOptionsSchema,
    create(config, ctx): Connector {
      const guard = () => {
        if (options.token !== undefined && config.token !== options.token) {
          throw new AuthError("memory connector: invalid token", {
            provider: { system: "memory", code: "invalid_token", message: "token mismatch", status: 401 },
          });
        }
        maybeFail();
      };
      const list = <T>(entity: EntityName, schema: z.ZodType<T>) =>
        async function* (query: ListQuery): AsyncIterable<Page<T>> {
          guard();
          let after = parseCursor(query.cursor);
          for (;;) {
            const rows = [...tables[entity].values()]
              .filter((row) => row.seq > after)
              .sort((a, b) => a.seq - b.seq)
              .slice(0, pageSize);
            const items: T[] = [];
            const rejects: RecordReject[] = [];
            for (const row of rows) {
              const parsed = schema.safeParse({ ...row.record, source: ctx.instanceId, raw: row.record });
              if (parsed.success) items.push(parsed.data);
              else
                rejects.push({
                  entity,
                  externalId: row.record.externalId,
                  error: describeZodError(parsed.error),
                  raw: row.record,
                });
            }
            after = rows.at(-1)?.seq ?? after;
            yield { items, cursor: `seq:${after}`, ...(rejects.length ? { rejects } : {}) };
            if (rows.length < pageSize) return;
            guard();
          }
        };

      const connector: Connector = {
        capabilities,
        listCustomers: list("customers", Customer),
        listInvoices: list("invoices", Invoice),
        async healthCheck() {
          guard();
          return { ok: true, detail: "memory connector", latencyMs: 0 };
        },
        async close() {},
      };
      if (capabilities.payments) connector.listPayments = list("payments", Payment);
      if (capabilities.getInvoice) {
        connector.getInvoice = async (externalId) => {
          guard();
          const row = tables.invoices.get(externalId);
          return row ? Invoice.parse({ ...row.record, source: ctx.instanceId, raw: row.record }) : null;
        };
      }
      const reads: MemoryReads = {
        customers: () => parsedRows("customers", Customer, ctx.instanceId),
        invoices: () => parsedRows("invoices", Invoice, ctx.instanceId),
      };
      if (capabilities.documents) {
        connector.getDocument = async (invoice, kind) => {
          guard();
          return memoryDocument(reads, invoice, kind);
        };
      }
      if (capabilities.lookups) {
        connector.findCustomersByTaxId = async (taxId) => {
          guard();
          return customersByTaxId(reads, taxId);
        };
        connector.listOpenInvoices = async (customerRef) => {
          guard();
          return openInvoicesOf(reads, customerRef);
        };
      }
      if (capabilities.writeActivity) {
        connector.writeActivity = async (activity) => {
          guard();
          const existing = activities.find((a) => a.activity.key === activity.key);
          if (existing) return { externalId: existing.externalId, created: false };
          const externalId = `act-${activities.length + 1}`;
          activities.push({ externalId, activity: structuredClone(activity) });
          return { externalId, created: true };
        };
      }
      return connector;
    },
  });

  return {
    definition,
    activities,
    upsert(entity: EntityName, record: { externalId: string }) {
      put(entity, record, true);
    },
    updateInvoice(externalId, patch) {
      const row = tables.invoices.get(externalId);
      if (!row) throw new Error(`memory connector: no invoice ${externalId}`);
      put("invoices", { ...row.record, ...patch, externalId }, true);
    },
    markPaid(externalId) {
      const row = tables.invoices.get(externalId);
      if (!row) throw new Error(`memory connector: no invoice ${externalId}`);
      const total = row.record.total as { currency: string };
      put(
        "invoices",
        { ...row.record, status: "paid", openAmount: { amountMinor: 0, currency: total.currency } },
        true,
      );
    },
    remove(entity, externalId) {
      tables[entity].delete(externalId);
    },
    ids() {
      const keys = (entity: EntityName) => [...tables[entity].keys()];
      return { customers: keys("customers"), invoices: keys("invoices"), payments: keys("payments") };
    },
    failNext(error, times = 1) {
      failures.push({ error, remaining: times });
    },
  };
}

function parseCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const match = /^seq:(\d+)$/.exec(cursor);
  if (!match) throw new ValidationError(`memory connector: not a cursor of mine: ${JSON.stringify(cursor)}`);
  return Number(match[1]);
}
