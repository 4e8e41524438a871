/**
 * Benchmark: a full sync of ~50,000 invoices and ~20,000 payments (invoices, then payments, as the
 * engine syncs them) from the fake QuickBooks with Intuit's per-realm limits on (500 requests in
 * any minute, 10 in any second, 10 in flight; over them: 429). Two runs, each against a fresh
 * fake (its own realm, so one run's requests do not count against the other's minute):
 *
 * 1. the sync as configured by default (1000 rows a page): records/s, every record, no 429;
 * 2. the sustained request rate: the same records at 100 rows a page, about 700 requests, so the
 *    run lasts well over a minute and the per-minute limit is the one that binds. Printed as
 *    requests from the first request to the last page read, per minute, as a fraction of 500;
 *    beside it the busiest minute and second the fake counted (its sliding windows). A run at
 *    1000 a page is ~75 requests in ~10 s: a minute's budget cannot be used, let alone sustained,
 *    so its rate says how fast the pipeline starts, not how well it keeps the realm's pace.
 *
 * Run after `pnpm build`: `pnpm bench` (or `node bench/sync.ts`). The fake runs in a child
 * process (bench/fake-server.ts) and answers each request after 300 ms.
 * Env: BENCH_CUSTOMERS (default 16,700 ≈ 50k invoices), BENCH_PAGE (run 1, default 1000),
 * BENCH_RATE_PAGE (run 2, default 100), BENCH_RUNS (`sync,rate`).
 */
import { MemoryKeyValueState, silentLogger } from "@regua/core";
import { createTestContext } from "@regua/testkit";
import { countPages, forkBenchFake, loadNote, type MeasuredRun, verdict } from "@regua/testkit/bench";
import connector from "../dist/index.js";

interface Ready {
  url: string;
  tokenUrl: string;
  realmId: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  invoices: number;
  payments: number;
}

const REALM_PER_MINUTE = 500;
const GOAL_FRACTION = 0.9;
const runs = (process.env.BENCH_RUNS ?? "sync,rate").split(",");

/** One full sync (invoices, then payments) against a fresh fake, measured. */
async function sync(pageSize: number) {
  const fake = await forkBenchFake<Ready>(new URL("./fake-server.ts", import.meta.url));
  const ready = fake.ready;
  const options = connector.optionsSchema.parse({
    realmId: ready.realmId,
    clientId: ready.clientId,
    clientSecret: ready.clientSecret,
    baseUrl: ready.url,
    tokenUrl: ready.tokenUrl,
    refreshToken: ready.refreshToken,
    homeCurrency: "BRL",
    pageSize,
  });
  const ctx = createTestContext({ instanceId: "bench", log: silentLogger, state: new MemoryKeyValueState() });
  const qbo = await connector.create(options, ctx);
  const listPayments = qbo.listPayments?.bind(qbo);
  if (!listPayments) throw new Error("the connector does not list payments");
  try {
    await qbo.healthCheck(); // token refresh and one request outside the timed part
    const before = Number((await fake.usage()).requests);
    const run: MeasuredRun = await fake.measure(() => countPages(qbo.listInvoices({}), listPayments({})));
    const stats = run.server;
    return {
      ready,
      run,
      seconds: run.wallMs / 1000,
      requests: Number(stats.requests) - before,
      throttled: Number(stats.throttled),
      peaks: `busiest minute ${String(stats.peakPerMinute)}, busiest second ${String(stats.peakPerSecond)}, peak ${String(stats.peakConcurrency)} in flight`,
      complete: run.rejects === 0 && run.records === ready.invoices + ready.payments,
    };
  } finally {
    await qbo.close();
    fake.close();
  }
}

if (runs.includes("sync")) {
  const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
  const s = await sync(pageSize);
  console.log(
    `fake QuickBooks: ${s.ready.invoices} invoices, ${s.ready.payments} payments (${s.ready.startMs} ms to generate)`,
  );
  verdict(
    `quickbooks sync, ${pageSize} a page: ${s.run.records} records in ${s.requests} requests, ${s.seconds.toFixed(1)} s, ` +
      `${Math.round(s.run.records / s.seconds)} records/s, ${s.run.rejects} rejects, ${s.throttled} × 429, ${s.peaks}, ${loadNote()}`,
    "all records, 0 rejects, 0 × 429",
    s.complete && s.throttled === 0,
  );
  if (!s.complete || s.throttled > 0) process.exitCode = 1;
}

if (runs.includes("rate")) {
  const pageSize = Number(process.env.BENCH_RATE_PAGE ?? 100);
  const s = await sync(pageSize);
  const perMinute = (s.requests / s.seconds) * 60;
  const fraction = perMinute / REALM_PER_MINUTE;
  // A per-minute rate needs a run of more than a minute: a shorter one can be a burst.
  const long = s.seconds >= 60;
  const ok = long && fraction >= GOAL_FRACTION && s.throttled === 0 && s.complete;
  verdict(
    `quickbooks sustained rate, ${pageSize} a page: ${s.requests} requests in ${s.seconds.toFixed(1)} s = ` +
      `${perMinute.toFixed(0)} requests/min = ${fraction.toFixed(2)} of the realm's ${REALM_PER_MINUTE}/min, ` +
      `${s.throttled} × 429, ${s.peaks}; ${s.run.records} records (${Math.round(s.run.records / s.seconds)}/s), ` +
      `${s.run.rejects} rejects${long ? "" : "; run shorter than a minute"}, ${loadNote()}`,
    `≥ ${GOAL_FRACTION} of the limit over ≥ 60 s, 0 × 429`,
    ok,
  );
  if (!ok) process.exitCode = 1;
}
