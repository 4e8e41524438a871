/**
 * Benchmark: a full sync of ~50,000 invoices and ~20,000 payments from the fake QuickBooks with
 * Intuit's per-realm limits on (500 requests a minute, 10 a second, 10 in flight; over them: 429).
 * Prints the sustained request rate as a fraction of the realm's 500/minute, the 429s the fake
 * answered, and records/s. Run after `pnpm build`: `pnpm bench` (or `node bench/sync.ts`).
 * The fake runs in a child process (bench/fake-server.ts).
 * Env: BENCH_CUSTOMERS (default 16,700 ≈ 50k invoices), BENCH_PAGE (default 1000).
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MemoryKeyValueState, silentLogger } from "@regua/core";
import { createTestContext } from "@regua/testkit";
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
  generatedMs: number;
}
interface Stats {
  requests: number;
  throttled: number;
  peakConcurrency: number;
}

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const REALM_PER_MINUTE = 500;

const child = fork(fileURLToPath(new URL("./fake-server.ts", import.meta.url)), { stdio: "inherit" });
const replies: ((value: unknown) => void)[] = [];
child.on("message", (m) => replies.shift()?.(m));
const next = <T>() => new Promise<T>((resolve) => replies.push(resolve as (value: unknown) => void));
const stats = () => {
  const reply = next<Stats>();
  child.send({ type: "stats" });
  return reply;
};
const fake = await next<Ready>();
console.log(
  `fake QuickBooks: ${fake.invoices} invoices, ${fake.payments} payments (${fake.generatedMs} ms to generate)`,
);
const options = connector.optionsSchema.parse({
  realmId: fake.realmId,
  clientId: fake.clientId,
  clientSecret: fake.clientSecret,
  baseUrl: fake.url,
  tokenUrl: fake.tokenUrl,
  refreshToken: fake.refreshToken,
  homeCurrency: "BRL",
  pageSize,
});
const ctx = createTestContext({ instanceId: "bench", log: silentLogger, state: new MemoryKeyValueState() });
const qbo = await connector.create(options, ctx);
const listPayments = qbo.listPayments?.bind(qbo);
if (!listPayments) throw new Error("the connector does not list payments");

await qbo.healthCheck(); // token refresh and one request outside the timed part
const before = (await stats()).requests;
const started = performance.now();
let records = 0;
let rejects = 0;
for (const listing of [qbo.listInvoices({}), listPayments({})]) {
  for await (const page of listing) {
    records += page.items.length;
    rejects += page.rejects?.length ?? 0;
  }
}
const seconds = (performance.now() - started) / 1000;
const after = await stats();
const requests = after.requests - before;
const perMinute = (requests / seconds) * 60;
console.log(
  JSON.stringify(
    {
      records,
      rejects,
      requests,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(records / seconds),
      requestsPerMinute: Number(perMinute.toFixed(1)),
      fractionOfRealmLimit: Number((perMinute / REALM_PER_MINUTE).toFixed(3)),
      throttled429: after.throttled,
      peakConcurrency: after.peakConcurrency,
    },
    null,
    2,
  ),
);
await qbo.close();
child.send({ type: "close" });
const ok = after.throttled === 0 && perMinute / REALM_PER_MINUTE >= 0.9 && rejects === 0;
console.log(ok ? "OK: ≥ 0.9 of the realm's limit, no 429" : "NOT OK: see the figures above");
process.exitCode = ok ? 0 : 1;
