import type {
  ActionRow,
  ChannelEvent,
  DunningStore,
  Engine,
  ErpEvent,
  KeyValueState,
  StoreReport,
} from "@regua/core";
import { MemoryKeyValueState } from "@regua/core";

export const EMPTY_REPORT: StoreReport = {
  aging: [{ bucket: "1-30", currency: "BRL", invoices: 2, openAmountMinor: 12345 }],
  actionsByStatus: [
    { kind: "message", status: "sent", count: 3 },
    { kind: "escalate", status: "sent", count: 2 },
    { kind: "message", status: "skipped", count: 1 },
  ],
  recoveredAfterContact: [{ currency: "BRL", invoices: 1, amountMinor: 5000 }],
  activitiesByStatus: [{ status: "written", count: 3 }],
  messagesByPricing: [{ channel: "wa", category: "utility", billable: true, count: 3 }],
  flaggedPhones: [
    {
      phone: "+5511987650000",
      channel: "wa",
      code: "131026",
      reason: "131026: Message undeliverable",
      at: "2026-03-02T09:00:00.000Z",
    },
  ],
  unknowns: [{ resolution: "status", count: 1 }],
  sync: [
    {
      source: "erp",
      entity: "invoices",
      lastFinishedAt: "2026-03-02T10:00:00.000Z",
      lastError: null,
      records: 9,
      rejects: 0,
    },
  ],
  quarantine: [],
};

/** The few store reads the server makes; anything else throws so a test notices. */
export function fakeStore(overrides: { reachable?: boolean; actions?: ActionRow[] } = {}): DunningStore {
  const reads = {
    async getCursor() {
      if (overrides.reachable === false) throw new Error("database is locked");
      return null;
    },
    async report() {
      return EMPTY_REPORT;
    },
    async webhookBacklog() {
      return 0;
    },
    async purgeWebhookHistory() {
      return { batches: 0, events: 0 };
    },
    async listActions(options: { status?: string[] }) {
      return (overrides.actions ?? []).filter((a) => !options.status || options.status.includes(a.status));
    },
    state(): KeyValueState {
      return new MemoryKeyValueState();
    },
  };
  return new Proxy(reads, {
    get(target, prop) {
      if (prop in target) return target[prop as keyof typeof target];
      if (prop === "then") return undefined;
      throw new Error(`fakeStore: ${String(prop)} not faked`);
    },
  }) as unknown as DunningStore;
}

export interface RecordingEngine extends Engine {
  channelEvents: { channelId: string; events: ChannelEvent[] }[];
  erpEvents: { sourceId: string; events: ErpEvent[] }[];
}

export function recordingEngine(): RecordingEngine {
  const channelEvents: RecordingEngine["channelEvents"] = [];
  const erpEvents: RecordingEngine["erpEvents"] = [];
  return {
    channelEvents,
    erpEvents,
    sync: async () => {
      const none = { records: 0, rejects: 0, quarantined: 0, errors: 0 };
      return { entities: [], ...none, paidNow: 0, stopped: 0, deleted: 0, skipped: [] };
    },
    plan: async () => ({
      result: { actions: [], skips: [] },
      customers: 0,
      actions: 0,
      skips: 0,
      inserted: 0,
      dryRun: true,
      incremental: false,
      skipped: [],
    }),
    dispatch: async () => ({
      claimed: 0,
      sent: 0,
      recorded: 0,
      skipped: 0,
      failed: 0,
      retried: 0,
      unknown: 0,
      released: 0,
      reconciled: { lookup: 0, resent: 0, held: 0 },
      recovered: { released: 0, unknown: 0 },
      polled: 0,
    }),
    writeBack: async () => ({ claimed: 0, written: 0, failed: 0, dead: 0 }),
    recover: async () => ({ released: 0, unknown: 0 }),
    releasePaymentHold: async () => false,
    async handleChannelEvents(channelId, events) {
      channelEvents.push({ channelId, events: [...events] });
      return {
        received: events.length,
        duplicates: 0,
        applied: events.length,
        unmatched: 0,
        ignored: 0,
        failed: 0,
      };
    },
    async handleErpEvents(sourceId, events) {
      erpEvents.push({ sourceId, events: [...events] });
    },
    // The server queues; this engine records what it was handed as if the worker had run.
    async enqueueChannelEvents(channelId, events) {
      channelEvents.push({ channelId, events: [...events] });
      return { queued: events.length, rejected: [], duplicates: 0 };
    },
    async enqueueErpEvents(sourceId, events) {
      erpEvents.push({ sourceId, events: [...events] });
      return { queued: events.length, rejected: [], duplicates: 0 };
    },
    applyWebhookQueue: async () => ({
      batches: 0,
      events: 0,
      summary: { received: 0, duplicates: 0, applied: 0, unmatched: 0, ignored: 0, failed: 0 },
    }),
    erp: {
      getDocument: async () => null,
      findCustomersByTaxId: async () => [],
      listOpenInvoices: async () => [],
    },
  };
}

/** An admin token for tests (the server refuses to start without one). */
export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const adminHeaders = { authorization: `Bearer ${ADMIN_TOKEN}` };
