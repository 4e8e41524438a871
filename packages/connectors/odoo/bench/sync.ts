/**
 * Benchmark: a full invoice sync of ~100,000 invoices from the fake Odoo (in a child process),
 * once over XML-RPC and once over JSON-2 (both against a fake Odoo 19, which serves both, so the
 * data is the same). Prints records/s and the connector's CPU against the fake's, each as a line
 * with its goal and verdict. Run after `pnpm build`: `pnpm bench`. Env: BENCH_CUSTOMERS
 * (default 33,400 ≈ 100k invoices), BENCH_PAGE (default 1000), BENCH_PROTOCOLS ("xmlrpc,json2").
 */
import { createTestContext } from "@regua/testkit";
import { countPages, forkBenchFake, syncVerdicts } from "@regua/testkit/bench";
import connector from "../dist/index.js";

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const protocols = (process.env.BENCH_PROTOCOLS ?? "xmlrpc,json2").split(",") as ("xmlrpc" | "json2")[];
const fake = await forkBenchFake<{ url: string; invoices: number }>(
  new URL("./fake-server.ts", import.meta.url),
);
console.log(
  `fake Odoo 19: ${fake.ready.invoices} account.move rows, ready in ${(fake.ready.startMs / 1000).toFixed(1)} s`,
);

for (const protocol of protocols) {
  const options = connector.optionsSchema.parse({
    url: fake.ready.url,
    database: "odoo",
    login: "admin",
    apiKey: "bench-key",
    protocol,
    pageSize,
  });
  const odoo = await connector.create(options, createTestContext({ instanceId: "bench" }));
  await odoo.healthCheck(); // protocol choice and login outside the measurement
  const run = await fake.measure(() => countPages(odoo.listInvoices({})));
  // One budget for both protocols: 100 µs/record is 10 s of CPU for a 100,000-invoice full sync.
  syncVerdicts(`odoo ${protocol} sync ${fake.ready.invoices} invoices`, run, {
    records: fake.ready.invoices,
    cpuMicrosPerRecord: 100,
  });
  await odoo.close();
}
fake.close();
