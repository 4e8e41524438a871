/** The fake IXC webservice in its own process (see @regua/testkit/bench), started by sync.ts. */

import { startFakeIxc } from "@regua/test-fixtures/ixc";
import { serveBenchFake } from "@regua/testkit/bench";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
await serveBenchFake(async () => {
  const fake = await startFakeIxc({ seed: 2026, customers, today: "2026-03-15", user: "12", token: "bench" });
  return {
    ready: { url: fake.url, receivables: fake.tables.fn_areceber.length },
    close: () => fake.close(),
    stats: () => ({ handlerMs: fake.serverMs() }),
  };
});
