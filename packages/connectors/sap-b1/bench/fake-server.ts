/**
 * The fake Service Layer in its own process (see @regua/testkit/bench), started by sync.ts. Its
 * CPU figure includes CAP's worker thread: cpuUsage is per process.
 */

import { startFakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { serveBenchFake } from "@regua/testkit/bench";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
const version = process.env.BENCH_VERSION === "v1" ? "v1" : "v2";
await serveBenchFake(async () => {
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
  return { ready: { url: fake.url, invoices: fake.dataset.invoices.length }, close: () => fake.close() };
});
