/**
 * The fake QuickBooks for bench/sync.ts in its own process (see @regua/testkit/bench), so its JSON
 * work does not share the connector's event loop. Usage answers carry its request counters.
 */

import { startFakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { serveBenchFake } from "@regua/testkit/bench";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 16_700);
await serveBenchFake(async () => {
  // Intuit answers a 1000-row query in a few hundred milliseconds; the fake waits as long.
  const fake = await startFakeQuickBooks({ seed: 42, customers, today: "2026-03-15", latencyMs: 300 });
  return {
    ready: {
      url: fake.url,
      tokenUrl: fake.tokenUrl,
      realmId: fake.realmId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      refreshToken: fake.issueRefreshToken(),
      invoices: fake.company.Invoice.length,
      payments: fake.company.Payment.length,
    },
    close: () => fake.close(),
    stats: () => ({
      requests: fake.requests.length,
      throttled: fake.throttled,
      peakConcurrency: fake.peakConcurrency,
      peakPerSecond: fake.peakPerSecond,
      peakPerMinute: fake.peakPerMinute,
    }),
  };
});
