/**
 * Throughput of @regua/channel-whatsapp against the fake Graph API, whose per-phone-number limit
 * is set to the tier (80 msg/s standard, 1000 msg/s upgraded): does the channel's limiter
 * deliver the whole tier without tripping Meta's 130429, and what does it add on top?
 *
 *   pnpm bench            (builds first; runs ~2.5 minutes: 10,000 messages at 80/s take 125 s)
 *   BENCH_MESSAGES=2000 node bench/throughput.ts
 *
 * Figures per tier:
 * - sustained rate: messages accepted / (last acceptance − first submission), and its fraction of the tier;
 * - added latency: how much later than a perfect token bucket (same rate, same burst) each message
 *   was accepted, p50 / p99 / max: the limiter's timer jitter plus the HTTP round trip;
 * - duplicates: messages the fake accepted more than once for one action key (must be 0);
 * - throttled: 130429 answers (each retried after its retryAfterMs, as the engine would);
 * - ceiling: what bare axios POSTs (32 concurrent, no channel, no limit) reach against the same
 *   fake on this machine: the fastest any client could go here, for reading the 1000/s figures.
 *
 * Node runs this file by type stripping; it imports the built dist, not src.
 */

import { once } from "node:events";
import { availableParallelism, loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { type OutboundMessage, RateLimitError, systemClock, withRetry } from "@regua/core";
import { createTestContext } from "@regua/testkit";
import axios from "axios";
import type { WhatsAppChannel, whatsappChannel as WhatsAppDefinition } from "../src/index.js";

const { whatsappChannel } = (await import("../dist/index.js" as string)) as {
  whatsappChannel: typeof WhatsAppDefinition;
};

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 10_000);
const TIERS = (process.env.BENCH_TIERS ?? "80,1000").split(",").map(Number);
const TOKEN = "EAAG-bench-token";
const PHONE_NUMBER_ID = "106540352242922";

interface TierResult {
  tier: number;
  messages: number;
  seconds: number;
  rate: number;
  fraction: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  duplicates: number;
  throttled: number;
  failed: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function message(i: number): OutboundMessage {
  return {
    actionKey: `bench:inv-${i}:d0:2026-03-15`,
    // 10,000 distinct customers: +55 11 9xxxx-xxxx
    to: `+55119${String(10_000_000 + i).slice(-8)}`,
    template: {
      name: "confirmacao_pagamento",
      language: "pt_BR",
      body: [{ type: "text", text: `Cliente ${i}` }],
    },
    preview: `Recebemos seu pagamento, Cliente ${i}.`,
  };
}

interface FakeStats {
  accepted: number;
  duplicates: number;
  throttled: number;
}

async function startFakeWorker(ratePerSecond: number): Promise<{ worker: Worker; url: string }> {
  const worker = new Worker(new URL("./fake-worker.ts", import.meta.url), {
    workerData: { token: TOKEN, appSecret: "bench-secret", phoneNumberId: PHONE_NUMBER_ID, ratePerSecond },
  });
  const [{ url }] = (await once(worker, "message")) as [{ url: string }];
  return { worker, url };
}

/** Bare axios against the fake with no limit: the machine's ceiling for this request. */
async function measureCeiling(requests = 3_000, concurrency = 32): Promise<number> {
  const { worker, url } = await startFakeWorker(1e9);
  const http = axios.create({
    baseURL: `${url}/v23.0/${PHONE_NUMBER_ID}`,
    headers: { Authorization: `Bearer ${TOKEN}` },
  });
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests) {
        const m = message(1_000_000 + next++);
        await http.post("/messages", {
          messaging_product: "whatsapp",
          recipient_type: "individual",
          to: m.to.slice(1),
          type: "template",
          biz_opaque_callback_data: m.actionKey,
          template: {
            name: "confirmacao_pagamento",
            language: { policy: "deterministic", code: "pt_BR" },
            components: [{ type: "body", parameters: [{ type: "text", text: "x" }] }],
          },
        });
      }
    }),
  );
  const rate = requests / ((performance.now() - t0) / 1000);
  const exited = once(worker, "exit");
  worker.postMessage("stats");
  await exited;
  return rate;
}

async function runTier(tier: number): Promise<TierResult> {
  const { worker, url } = await startFakeWorker(tier);
  const fake = { url };
  const options = whatsappChannel.optionsSchema.parse({
    phoneNumberId: PHONE_NUMBER_ID,
    token: TOKEN,
    appSecret: "bench-secret",
    baseUrl: fake.url,
    tier: { perSecond: tier },
  });
  const channel = (await whatsappChannel.create(options, createTestContext())) as WhatsAppChannel;
  let throttled = 0;
  let failed = 0;
  const accepted: number[] = new Array(MESSAGES);
  let settled = 0;
  const progress = setInterval(() => console.error(`  … ${settled}/${MESSAGES} settled`), 10_000);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: MESSAGES }, async (_, i) => {
      try {
        await withRetry(() => channel.send(message(i)), {
          attempts: 5,
          baseMs: 100,
          maxMs: 2_000,
          clock: systemClock,
          onRetry: (error) => {
            if (error instanceof RateLimitError) throttled += 1;
          },
        });
        accepted[i] = performance.now();
      } catch {
        failed += 1;
        accepted[i] = Number.NaN;
      } finally {
        settled += 1;
      }
    }),
  );
  const done = accepted.filter((t) => !Number.isNaN(t));
  const seconds = (Math.max(...done) - t0) / 1000;
  const lateness = accepted
    // A perfect limiter with the channel's burst (a tenth of a second) lets message i leave at
    // t0 + max(0, i − burst + 1) / tier; anything later is what the channel and HTTP add.
    .map((t, i) => t - (t0 + (Math.max(0, i - Math.ceil(tier / 10) + 1) / tier) * 1000))
    .filter((d) => !Number.isNaN(d))
    .sort((a, b) => a - b);
  clearInterval(progress);
  const statsReply = once(worker, "message");
  const exited = once(worker, "exit");
  worker.postMessage("stats");
  const [stats] = (await statsReply) as [FakeStats];
  await channel.close();
  await exited;
  const duplicates = stats.duplicates + Math.max(0, stats.accepted - done.length);
  const rate = done.length / seconds;
  return {
    tier,
    messages: done.length,
    seconds: Number(seconds.toFixed(2)),
    rate: Number(rate.toFixed(1)),
    fraction: Number((rate / tier).toFixed(3)),
    p50Ms: Number(percentile(lateness, 50).toFixed(1)),
    p99Ms: Number(percentile(lateness, 99).toFixed(1)),
    maxMs: Number((lateness.at(-1) ?? Number.NaN).toFixed(1)),
    duplicates,
    throttled,
    failed,
  };
}

const ceiling = await measureCeiling();
console.error(
  `transport ceiling on this machine: ${ceiling.toFixed(0)} msg/s (bare axios, 32 concurrent, no limit)`,
);
const results: TierResult[] = [];
for (const tier of TIERS) {
  console.error(`tier ${tier} msg/s: sending ${MESSAGES} messages (~${Math.ceil(MESSAGES / tier)} s)…`);
  results.push(await runTier(tier));
}
console.table(
  results.map((r) => ({
    "tier msg/s": r.tier,
    accepted: r.messages,
    seconds: r.seconds,
    "rate msg/s": r.rate,
    "rate / tier": r.fraction,
    "p50 added ms": r.p50Ms,
    "p99 added ms": r.p99Ms,
    "max added ms": r.maxMs,
    duplicates: r.duplicates,
    "130429 retried": r.throttled,
    failed: r.failed,
    "rate / ceiling": Number((r.rate / Math.min(r.tier, ceiling)).toFixed(3)),
  })),
);
console.log(
  JSON.stringify({
    bench: "channel-whatsapp/throughput",
    node: process.version,
    cpus: availableParallelism(),
    ceilingPerSecond: Math.round(ceiling),
    results,
  }),
);
// One verdict line per tier (docs/performance.md): the limiter's and HTTP's added p99, the rate
// reached and exactly-once, with the conditions they were measured in.
const GOAL_P99_MS = 5;
console.log(
  `conditions: ${availableParallelism()} CPUs, load average ${loadavg()[0]?.toFixed(1)}, ` +
    `transport ceiling ${Math.round(ceiling)} msg/s, ${MESSAGES} messages per tier`,
);
for (const r of results) {
  const ok = r.p99Ms <= GOAL_P99_MS && r.fraction >= 0.95 && r.duplicates === 0 && r.failed === 0;
  console.log(
    `whatsapp ${r.tier} msg/s: p99 added ${r.p99Ms} ms (p50 ${r.p50Ms}, max ${r.maxMs}), ${r.fraction} of the tier, ` +
      `${r.duplicates} duplicates, ${r.throttled} throttled, ${r.failed} failed ` +
      `(goal p99 ≤ ${GOAL_P99_MS} ms, ≥ 0.95 of the tier, 0 duplicates) ${ok ? "ok" : "MISSED"}`,
  );
}
