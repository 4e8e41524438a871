/** The fake Odoo in its own process (see @regua/testkit/bench), started by sync.ts. */

import { type OdooVersion, startFakeOdoo } from "@regua/test-fixtures/odoo";
import { serveBenchFake } from "@regua/testkit/bench";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
const version = (process.env.BENCH_ODOO ?? "19.0") as OdooVersion;
await serveBenchFake(async () => {
  const fake = await startFakeOdoo({
    seed: 2026,
    customers,
    invoicesPerCustomer: 3,
    today: "2026-03-15",
    version,
    apiKey: "bench-key",
    attachments: false,
  });
  return {
    ready: { url: fake.url, invoices: fake.tables["account.move"].length },
    close: () => fake.close(),
  };
});
