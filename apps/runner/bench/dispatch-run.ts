// Shared by the dispatch benchmarks (bench/dispatch.ts): a book of due actions in a real store,
// and one engine's real dispatch of it through @regua/channel-whatsapp against a fake Graph API.
// Forked with `--runner`, this file is one runner process of the scale-out benchmark: it opens
// the store, waits for "go", dispatches and sends back when each message was accepted.
// Plain `node` runs it (erasable types only), on the built packages.
import diagnostics from "node:diagnostics_channel";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { whatsappChannel } from "@regua/channel-whatsapp";
import {
  type Channel,
  type Connector,
  Customer,
  createEngine,
  type DispatchSummary,
  Invoice,
  PolicySchema,
  silentLogger,
  systemClock,
} from "@regua/core";
import { createStore, type StoreConfig } from "@regua/store";
import { createTestContext } from "@regua/testkit";

export const GRAPH = {
  token: "EAAG-dispatch-bench-token",
  appSecret: "dispatch-bench-secret",
  phoneNumberId: "106540352242922",
} as const;

const SOURCE = "erp";
const PAGE = 2_000;
const ALL_DAY = "00:00-24:00";

/** Every hour of every day, no caps, one template message per overdue invoice, due today. */
export const POLICY = PolicySchema.parse({
  timezone: "UTC",
  window: Object.fromEntries(["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, ALL_DAY])),
  holidays: null,
  caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
  steps: [
    {
      id: "d3",
      offsetDays: 3,
      channel: "wa",
      template: { name: "confirmacao_pagamento", language: "pt_BR" },
      variables: { "1": "customer.firstName" },
    },
  ],
});

/** The invoices are in the store already: no fresh read per send (that cost is the ERP's). */
const connector: Connector = {
  capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: false },
  listCustomers: async function* () {},
  listInvoices: async function* () {},
  healthCheck: async () => ({ ok: true, detail: "dispatch bench" }),
  close: async () => {},
};

const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** `count` customers with one invoice 3 days overdue each, planned by the engine: `count` due actions. */
/** Actions sent in a warm-up dispatch before the measured one (openRunner().warmUp). */
export const warmUpCount = (tier: number): number => Math.max(50, Math.round(tier / 5));

export async function seedBook(config: StoreConfig, count: number): Promise<number> {
  const store = createStore(config);
  await store.migrate();
  const at = new Date().toISOString();
  for (let from = 0; from < count; from += PAGE) {
    const ids = Array.from({ length: Math.min(PAGE, count - from) }, (_, i) => from + i);
    const customers = ids.map((i) =>
      Customer.parse({
        source: SOURCE,
        externalId: `C${i}`,
        name: `Cliente ${i}`,
        // distinct numbers: +55 11 9xxxx-xxxx
        phones: [`+55119${String(10_000_000 + i).slice(-8)}`],
      }),
    );
    const invoices = ids.map((i) =>
      Invoice.parse({
        source: SOURCE,
        externalId: `I${i}`,
        number: `NF-${i}`,
        customerRef: `C${i}`,
        issueDate: day(-33),
        dueDate: day(-3),
        total: { amountMinor: 10_000, currency: "BRL" },
        openAmount: { amountMinor: 10_000, currency: "BRL" },
        status: "open",
      }),
    );
    await store.commitPage({ source: SOURCE, entity: "customers", customers, cursor: null, at });
    await store.commitPage({ source: SOURCE, entity: "invoices", invoices, cursor: null, at });
  }
  const engine = createEngine({
    store,
    connectors: new Map([[SOURCE, connector]]),
    channels: new Map(),
    policy: POLICY,
    clock: systemClock,
    log: silentLogger,
    workerId: "bench-seed",
  });
  const planned = await engine.plan({ collect: false });
  const due = await store.listActions({ status: ["planned"], limit: count + 1 });
  await store.close();
  if (due.length !== count || due.some((a) => Date.parse(a.dueAt) > Date.now()))
    throw new Error(`seeded ${planned.inserted} actions, ${due.length} planned: expected ${count} due now`);
  return due.length;
}

export interface RunOptions {
  store: StoreConfig;
  graphUrl: string;
  tier: number;
  workerId: string;
  /** Share the channel's rate through the store (the runner does on PostgreSQL). */
  shareRateLimits: boolean;
}

export interface WarmUp {
  sent: number;
  /** How long after its dispatch() the first message of a cold runner was accepted. */
  firstMs: number;
}

export interface RunResult {
  /** Epoch ms (fractional) when dispatch() was called. */
  startedAt: number;
  /** Epoch ms (fractional) when the engine handed its first message to the channel. */
  firstSendAt: number;
  /** Epoch ms (fractional) at which each message was accepted (channel.send resolved). */
  accepted: number[];
  /** The action key of each accepted message, in the order of `accepted`. */
  acceptedKeys: string[];
  /**
   * Epoch ms (fractional) at which each send's request had been written to its socket, whole
   * (undici's `undici:request:bodySent` diagnostics channel): when it left the runner.
   */
  left: number[];
  summary: DispatchSummary;
  cpuMs: number;
  /** The runner's main thread's CPU during dispatch() (ms), without the fake's thread. */
  threadCpuMs: number;
  load: number[];
}

/** Epoch milliseconds with sub-millisecond precision, comparable between processes. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

/** An engine on `store`, sending through the real WhatsApp channel; `dispatch()` is measured. */
export async function openRunner(
  options: RunOptions,
): Promise<{ warmUp(limit: number): Promise<WarmUp>; run(): Promise<RunResult>; close(): Promise<void> }> {
  const store = createStore(options.store);
  await store.migrate();
  const parsed = whatsappChannel.optionsSchema.parse({
    phoneNumberId: GRAPH.phoneNumberId,
    token: GRAPH.token,
    appSecret: GRAPH.appSecret,
    baseUrl: options.graphUrl,
    tier: { perSecond: options.tier },
  });
  const channel = (await whatsappChannel.create(parsed, createTestContext())) as Channel;
  const accepted: number[] = [];
  const acceptedKeys: string[] = [];
  let firstSendAt = Number.NaN;
  // The channel as the engine sees it, with the instant each send was accepted noted.
  const timed: Channel = Object.create(channel) as Channel;
  timed.send = async (message) => {
    if (Number.isNaN(firstSendAt)) firstSendAt = epochMs();
    const result = await channel.send(message);
    accepted.push(epochMs());
    acceptedKeys.push(message.actionKey);
    return result;
  };
  const engine = createEngine({
    store,
    connectors: new Map([[SOURCE, connector]]),
    channels: new Map([["wa", timed]]),
    policy: POLICY,
    clock: systemClock,
    log: silentLogger,
    workerId: options.workerId,
    shareRateLimits: options.shareRateLimits,
  });
  return {
    /**
     * A runner's schedule keeps its engine, channel and keep-alive sockets from one dispatch to
     * the next: the first `limit` actions go in a dispatch of their own (JIT, first connection,
     * the fake's first request), said apart as the cold start.
     */
    async warmUp(limit) {
      accepted.length = 0;
      const startedAt = epochMs();
      const summary = await engine.dispatch({ limit });
      const firstMs = (accepted[0] ?? Number.NaN) - startedAt;
      // The warm-up drained the rate gates; the perfect limiter the run is held to starts with a
      // full burst, so the gates get theirs back first: a tenth of a second of the tier for the
      // engine's gate, two for the channel's own bucket.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { sent: summary.sent, firstMs };
    },
    async run() {
      accepted.length = 0;
      acceptedKeys.length = 0;
      firstSendAt = Number.NaN;
      const left: number[] = [];
      const onSent = (message: unknown) => {
        const request = (message as { request?: { method?: string; path?: string } }).request;
        if (request?.method === "POST" && request.path?.endsWith("/messages")) left.push(epochMs());
      };
      diagnostics.subscribe("undici:request:bodySent", onSent);
      const profiler = process.env.BENCH_CPU_PROF ? await startProfile() : null;
      const cpu = process.cpuUsage();
      const thread = process.threadCpuUsage();
      const startedAt = epochMs();
      const summary = await engine.dispatch();
      diagnostics.unsubscribe("undici:request:bodySent", onSent);
      const used = process.cpuUsage(cpu);
      const threadUsed = process.threadCpuUsage(thread);
      await profiler?.stop(
        `${process.env.BENCH_CPU_PROF}/dispatch-${options.workerId}-${Date.now()}.cpuprofile`,
      );
      return {
        startedAt,
        firstSendAt,
        accepted: [...accepted],
        acceptedKeys: [...acceptedKeys],
        left,
        summary,
        cpuMs: (used.user + used.system) / 1000,
        threadCpuMs: (threadUsed.user + threadUsed.system) / 1000,
        load: loadavg(),
      };
    },
    async close() {
      await channel.close();
      await store.close();
    },
  };
}

/** BENCH_CPU_PROF=<dir>: a CPU profile of dispatch() alone (no seeding), like `node --cpu-prof`. */
async function startProfile(): Promise<{ stop(file: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 200 });
  await session.post("Profiler.start");
  return {
    async stop(file) {
      const { profile } = await session.post("Profiler.stop");
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

export interface Figures {
  messages: number;
  fraction: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The channel benchmark's figures (packages/channels/whatsapp/bench/throughput.ts) for a
 * dispatch whose first message was handed to the channel at `firstSendAt`: a perfect limiter
 * with the channel's burst (a tenth of a second) lets the k-th message go at
 * firstSendAt + max(0, k − burst + 1) / tier; added latency is how much later the k-th
 * acceptance came (the fake's own answer time included). The rate is messages / (last
 * acceptance − first send). What the run did before its first send (leases recovered, the
 * first claim and its reads) is a once-a-run start-up, reported on its own: counted against the
 * perfect limiter it would shift every message of the run by the same constant, because a
 * channel's limiter cannot give back the tokens it could not hold while waiting.
 */
export function figures(firstSendAt: number, accepted: readonly number[], tier: number): Figures {
  const sorted = [...accepted].sort((a, b) => a - b);
  const burst = Math.ceil(tier / 10);
  const added = sorted
    .map((t, k) => t - (firstSendAt + (Math.max(0, k - burst + 1) / tier) * 1000))
    .sort((a, b) => a - b);
  const seconds = ((sorted.at(-1) ?? firstSendAt) - firstSendAt) / 1000;
  const round = (n: number, digits = 1) => Number(n.toFixed(digits));
  return {
    messages: sorted.length,
    fraction: round(sorted.length / seconds / tier, 3),
    p50Ms: round(percentile(added, 50)),
    p99Ms: round(percentile(added, 99)),
    maxMs: round(added.at(-1) ?? Number.NaN),
  };
}

export const conditions = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, ${availableParallelism()} CPUs`;

// A runner process of the scale-out benchmark: {options} → "ready"; "go" → the run's result.
if (process.argv.includes("--runner") && process.send) {
  let runner: Awaited<ReturnType<typeof openRunner>> | undefined;
  type Command = { type: "open"; options: RunOptions; warmUp: number } | { type: "go" };
  process.on("message", async (message: Command) => {
    if (message.type === "open") {
      runner = await openRunner(message.options);
      await runner.warmUp(message.warmUp);
      process.send?.({ type: "ready" });
    } else if (runner) {
      const result = await runner.run();
      await runner.close();
      process.send?.({ type: "result", result }, () => process.exit(0));
    }
  });
}
