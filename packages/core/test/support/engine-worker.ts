// A runner process for the store's engine tests (packages/store/test/engine-*.test.ts), run with
// plain `node` (which strips these erasable types) on the built packages. Modes:
//   seed      commits `count` customers with one overdue invoice each, and plans them
//   dispatch  dispatches due actions through a channel that appends every message the provider
//             accepted to `sendsFile`; `killAfterAccepted` dies (SIGKILL) right after that many
//   event     hands `event` (a channel status) to handleChannelEvents
// argv: <job.json>. Prints the step's summary as JSON.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type * as Core from "../../src/index.js";
import type { Channel, ChannelEvent, Connector, DunningStore, Engine, PolicyInput } from "../../src/index.js";

interface Job {
  mode: "seed" | "dispatch" | "event";
  coreUrl: string;
  storeUrl: string;
  store: { sqlite: string } | { postgres: string };
  now: string;
  workerId: string;
  count?: number;
  sendsFile?: string;
  killAfterAccepted?: number;
  sendDelayMs?: number;
  claimBatch?: number;
  sendConcurrency?: number;
  leaseMs?: number;
  event?: ChannelEvent;
  /** Start together: write `<dir>/<workerId>.ready`, then wait until every name's file exists. */
  barrier?: { dir: string; names: string[] };
}

const ALL_DAY = "00:00-24:00";
const POLICY: PolicyInput = {
  timezone: "UTC",
  window: {
    mon: ALL_DAY,
    tue: ALL_DAY,
    wed: ALL_DAY,
    thu: ALL_DAY,
    fri: ALL_DAY,
    sat: ALL_DAY,
    sun: ALL_DAY,
  },
  holidays: null,
  caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
  steps: [
    {
      id: "d3",
      offsetDays: 3,
      channel: "wa",
      template: { name: "fatura_vencida" },
      variables: { "1": "customer.firstName", "2": "invoice.number" },
    },
  ],
};

const jobFile = process.argv[2];
if (!jobFile) throw new Error("usage: engine-worker.ts <job.json>");
const job = JSON.parse(readFileSync(jobFile, "utf8")) as Job;
const core = (await import(job.coreUrl)) as typeof Core;
const { createStore } = (await import(job.storeUrl)) as { createStore(config: Job["store"]): DunningStore };

/** Waits (up to 60 s) until every process named has started, so none finishes before another begins. */
async function startTogether(barrier: { dir: string; names: string[] }): Promise<void> {
  writeFileSync(join(barrier.dir, `${job.workerId}.ready`), "");
  const deadline = Date.now() + 60_000;
  while (!barrier.names.every((name) => existsSync(join(barrier.dir, `${name}.ready`)))) {
    if (Date.now() > deadline)
      throw new Error(`barrier: not every runner of ${barrier.names.join(", ")} started`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A provider that keeps what it accepted in a file, and can take the process down with it. */
function fileChannel(sendsFile: string): Channel {
  let accepted = 0;
  return {
    capabilities: { templates: true, freeText: false, documents: false, statuses: true, inbound: true },
    rateLimit: { perSecond: 1_000 },
    async send(message) {
      // Real latency, so several processes interleave their sends.
      if (job.sendDelayMs) await new Promise((resolve) => setTimeout(resolve, job.sendDelayMs));
      accepted += 1;
      const providerMessageId = `wamid.${job.workerId}.${accepted}`;
      appendFileSync(sendsFile, `${JSON.stringify({ actionKey: message.actionKey, providerMessageId })}\n`);
      // The provider has the message; the process dies before it hears the answer.
      if (accepted === job.killAfterAccepted) process.kill(process.pid, "SIGKILL");
      return { providerMessageId };
    },
    healthCheck: async () => ({ ok: true, detail: "file channel" }),
    close: async () => {},
  };
}

// The invoices are in the store already: no fresh reads and no write-back in these runs.
const connector: Connector = {
  capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: false },
  listCustomers: async function* () {},
  listInvoices: async function* () {},
  healthCheck: async () => ({ ok: true, detail: "none" }),
  close: async () => {},
};

async function seed(store: DunningStore, engine: Engine, count: number) {
  const ids = Array.from({ length: count }, (_, i) => String(i + 1).padStart(3, "0"));
  const customers = ids.map((id) =>
    core.Customer.parse({
      source: "erp",
      externalId: `C${id}`,
      name: `Cliente ${id}`,
      phones: [`+5511987650${id}`],
    }),
  );
  const invoices = ids.map((id) =>
    core.Invoice.parse({
      source: "erp",
      externalId: `I${id}`,
      number: `NF-${id}`,
      customerRef: `C${id}`,
      issueDate: "2026-02-01",
      dueDate: "2026-03-01",
      total: { amountMinor: 10_000, currency: "BRL" },
      openAmount: { amountMinor: 10_000, currency: "BRL" },
      status: "open",
    }),
  );
  await store.commitPage({ source: "erp", entity: "customers", customers, cursor: "1", at: job.now });
  await store.commitPage({ source: "erp", entity: "invoices", invoices, cursor: "1", at: job.now });
  const summary = await engine.plan({ collect: false });
  const keys = (await store.listActions({ status: ["planned"], limit: count * 2 })).map((a) => a.key);
  return { inserted: summary.inserted, keys };
}

const store = createStore(job.store);
await store.migrate();
const engine = core.createEngine({
  store,
  connectors: new Map([["erp", connector]]),
  channels: new Map([["wa", fileChannel(job.sendsFile ?? "/dev/null")]]),
  policy: core.PolicySchema.parse(POLICY),
  clock: new core.ManualClock(job.now),
  log: core.silentLogger,
  workerId: job.workerId,
  limits: {
    claimBatch: job.claimBatch ?? 5,
    leaseMs: job.leaseMs ?? 60_000,
    ...(job.sendConcurrency ? { sendConcurrency: job.sendConcurrency } : {}),
  },
});
if (job.barrier) await startTogether(job.barrier);
const result =
  job.mode === "seed"
    ? await seed(store, engine, job.count ?? 10)
    : job.mode === "event" && job.event
      ? await engine.handleChannelEvents("wa", [job.event])
      : await engine.dispatch();
await store.close();
process.stdout.write(JSON.stringify(result));
