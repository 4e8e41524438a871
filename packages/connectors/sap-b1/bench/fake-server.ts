/**
 * The fake Service Layer in its own process, so the benchmark can measure the connector's CPU
 * apart from the server's. Started by sync.ts with fork(); answers "usage" with its own
 * CPU time and peak RSS (CAP's worker thread included: cpuUsage is per process).
 */
import { startFakeServiceLayer } from "@regua/test-fixtures/sap-b1";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
const version = process.env.BENCH_VERSION === "v1" ? "v1" : "v2";
const started = performance.now();
const fake = await startFakeServiceLayer({
  seed: 2026,
  customers,
  invoicesPerCustomer: 3,
  today: "2026-03-15",
  user: "manager",
  password: "bench",
  companyDb: "SBOBENCH",
  version,
});
process.send?.({
  type: "ready",
  url: fake.url,
  invoices: fake.dataset.invoices.length,
  startMs: Math.round(performance.now() - started),
});
process.on("message", async (message: { type: string }) => {
  if (message.type === "usage") {
    process.send?.({ type: "usage", cpu: process.cpuUsage(), maxRssKb: process.resourceUsage().maxRSS });
  }
  if (message.type === "close") {
    await fake.close();
    process.exit(0);
  }
});
