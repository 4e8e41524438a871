/**
 * The fake Odoo in its own process, so the benchmark measures the connector's CPU apart from the
 * server's. Started by sync.ts with fork(); answers "usage" with its own CPU time and peak RSS.
 */
import { type OdooVersion, startFakeOdoo } from "@regua/test-fixtures/odoo";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
const version = (process.env.BENCH_ODOO ?? "19.0") as OdooVersion;
const started = performance.now();
const fake = await startFakeOdoo({
  seed: 2026,
  customers,
  invoicesPerCustomer: 3,
  today: "2026-03-15",
  version,
  apiKey: "bench-key",
  attachments: false,
});
process.send?.({
  type: "ready",
  url: fake.url,
  invoices: fake.tables["account.move"].length,
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
