/**
 * Benchmark: a full sync of ~50,000 invoices and ~20,000 payments from the fake QuickBooks with
 * Intuit's per-realm limits on (500 requests a minute, 10 a second, 10 in flight; over them: 429).
 * Prints the sustained request rate as a fraction of the realm's 500/minute, the 429s the fake
 * answered, and records/s. Run after `pnpm build`: `pnpm bench` (or `node bench/sync.ts`).
 * The fake runs in a child process (bench/fake-server.ts).
 * Env: BENCH_CUSTOMERS (default 16,700 ≈ 50k invoices), BENCH_PAGE (default 1000).
 */
import { MemoryKeyValueState, silentLogger } from "@regua/core";
import { createTestContext } from "@regua/testkit";
import { countPages, forkBenchFake, verdict } from "@regua/testkit/bench";
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

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const REALM_PER_MINUTE = 500;
const GOAL_FRACTION = 0.9;

const fake = await forkBenchFake<Ready>(new URL("./fake-server.ts", import.meta.url));
const ready = fake.ready;
console.log(
  `fake QuickBooks: ${ready.invoices} invoices, ${ready.payments} payments (${ready.startMs} ms to generate)`,
);
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

await qbo.healthCheck(); // token refresh and one request outside the timed part
const before = Number((await fake.usage()).requests);
const run = await fake.measure(() => countPages(qbo.listInvoices({}), listPayments({})));
await qbo.close();
fake.close();

const seconds = run.wallMs / 1000;
const requests = Number(run.server.requests) - before;
const perMinute = (requests / seconds) * 60;
const fraction = perMinute / REALM_PER_MINUTE;
const throttled = Number(run.server.throttled);
verdict(
  `quickbooks sync ${run.records} records in ${requests} requests, ${seconds.toFixed(1)} s: ` +
    `${perMinute.toFixed(0)} requests/min = ${fraction.toFixed(2)} of the realm's ${REALM_PER_MINUTE}/min, ` +
    `${throttled} × 429, peak ${String(run.server.peakConcurrency)} in flight`,
  `≥ ${GOAL_FRACTION} of the limit, 0 × 429`,
  fraction >= GOAL_FRACTION && throttled === 0,
);
verdict(
  `quickbooks sync: ${Math.round(run.records / seconds)} records/s, ${run.rejects} rejects`,
  "0 rejects",
  run.rejects === 0 && run.records === ready.invoices + ready.payments,
);
