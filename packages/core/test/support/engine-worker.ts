// A runner process for the store's engine tests (packages/store/test/engine-*.test.ts), run with
// plain `node` (which strips these erasable types). It dispatches due actions from a real store
// through a channel that appends every accepted message to a file, the way a provider would
// deliver it, and can die abruptly (SIGKILL) right after the provider accepted a message.
//
// argv: <job.json>
//   { coreUrl, storeUrl, store: { sqlite } | { postgres }, policy, now, workerId, sendsFile,
//     killAfterAccepted?: number, sendDelayMs?: number, claimBatch?: number, leaseMs?: number }
import { appendFileSync, readFileSync } from "node:fs";
import type * as Core from "../../src/index.js";
import type { Channel, Connector, DunningStore, PolicyInput } from "../../src/index.js";

interface Job {
  coreUrl: string;
  storeUrl: string;
  store: { sqlite: string } | { postgres: string };
  policy: PolicyInput;
  now: string;
  workerId: string;
  sendsFile: string;
  killAfterAccepted?: number;
  sendDelayMs?: number;
  claimBatch?: number;
  leaseMs?: number;
}

interface StoreModule {
  createStore(config: Job["store"]): DunningStore;
}

const jobFile = process.argv[2];
if (!jobFile) throw new Error("usage: engine-worker.ts <job.json>");
const job = JSON.parse(readFileSync(jobFile, "utf8")) as Job;
const core = (await import(job.coreUrl)) as typeof Core;
const { createStore } = (await import(job.storeUrl)) as StoreModule;

const store = createStore(job.store);
let accepted = 0;
const channel: Channel = {
  capabilities: { templates: true, freeText: false, documents: false, statuses: true, inbound: true },
  rateLimit: { perSecond: 1_000 },
  async send(message) {
    // Real latency, so several processes interleave their sends.
    if (job.sendDelayMs) await new Promise((resolve) => setTimeout(resolve, job.sendDelayMs));
    accepted += 1;
    const providerMessageId = `wamid.${job.workerId}.${accepted}`;
    appendFileSync(job.sendsFile, `${JSON.stringify({ actionKey: message.actionKey, providerMessageId })}\n`);
    // The provider has the message; the process dies before it hears the answer.
    if (accepted === job.killAfterAccepted) process.kill(process.pid, "SIGKILL");
    return { providerMessageId };
  },
  healthCheck: async () => ({ ok: true, detail: "file channel" }),
  close: async () => {},
};
// The invoices are already in the store: no fresh reads, no write-back from this process.
const connector: Connector = {
  capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: false },
  listCustomers: async function* () {},
  listInvoices: async function* () {},
  healthCheck: async () => ({ ok: true, detail: "none" }),
  close: async () => {},
};

const clock = new core.ManualClock(job.now);
const engine = core.createEngine({
  store,
  connectors: new Map([["erp", connector]]),
  channels: new Map([["wa", channel]]),
  policy: core.PolicySchema.parse(job.policy),
  clock,
  log: core.silentLogger,
  workerId: job.workerId,
  limits: { claimBatch: job.claimBatch ?? 5, leaseMs: job.leaseMs ?? 60_000 },
});
const summary = await engine.dispatch();
await store.close();
process.stdout.write(JSON.stringify(summary));
