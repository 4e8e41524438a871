/**
 * Benchmark: a full sync of ~100,000 receivables (fn_areceber) from the fake IXC webservice,
 * which runs in a child process. Prints records/s and the connector's CPU time against the fake
 * server's, each as a line with its goal and verdict. Run after `pnpm build`: `pnpm bench`.
 * Env: BENCH_CUSTOMERS (default 33,400 ≈ 100k receivables), BENCH_PAGE (rp, default 1000).
 */
import { createTestContext } from "@regua/testkit";
import { countPages, forkBenchFake, syncVerdicts } from "@regua/testkit/bench";
import connector from "../dist/index.js";

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const fake = await forkBenchFake<{ url: string; receivables: number }>(
  new URL("./fake-server.ts", import.meta.url),
);
console.log(
  `fake IXC: ${fake.ready.receivables} receivables, ready in ${(fake.ready.startMs / 1000).toFixed(1)} s`,
);

const options = connector.optionsSchema.parse({
  baseUrl: fake.ready.url,
  userId: "12",
  token: "bench",
  pageSize,
  requestsPerSecond: 1_000,
});
const ixc = await connector.create(options, createTestContext({ instanceId: "bench" }));
await ixc.healthCheck(); // the first request outside the measurement
const run = await fake.measure(() => countPages(ixc.listInvoices({})));
syncVerdicts(`ixc sync ${fake.ready.receivables} receivables (rp ${pageSize})`, run, {
  records: fake.ready.receivables,
  cpuMicrosPerRecord: 100,
});
console.log(
  `  fake server: ${(Number(run.server.handlerMs) / 1000).toFixed(2)} s wall inside its handlers, ` +
    `connector RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`,
);
await ixc.close();
fake.close();
