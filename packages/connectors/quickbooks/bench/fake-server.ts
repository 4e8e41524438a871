/**
 * The fake QuickBooks for bench/sync.ts, in its own process so its JSON work does not share the
 * connector's event loop. Sends its address and credentials once, then answers "stats".
 */
import { startFakeQuickBooks } from "@regua/test-fixtures/quickbooks";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 16_700);
const generated = Date.now();
// Intuit answers a 1000-row query in a few hundred milliseconds; the fake waits as long.
const fake = await startFakeQuickBooks({ seed: 42, customers, today: "2026-03-15", latencyMs: 300 });
const send = (message: unknown) => process.send?.(message);
send({
  url: fake.url,
  tokenUrl: fake.tokenUrl,
  realmId: fake.realmId,
  clientId: fake.clientId,
  clientSecret: fake.clientSecret,
  refreshToken: fake.issueRefreshToken(),
  invoices: fake.company.Invoice.length,
  payments: fake.company.Payment.length,
  generatedMs: Date.now() - generated,
});
process.on("message", async (message: { type: string }) => {
  if (message.type === "stats") {
    send({
      requests: fake.requests.length,
      throttled: fake.throttled,
      peakConcurrency: fake.peakConcurrency,
    });
  }
  if (message.type === "close") {
    await fake.close();
    process.exit(0);
  }
});
