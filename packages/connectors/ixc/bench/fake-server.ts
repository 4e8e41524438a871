/**
 * The fake IXC webservice in its own process, so the benchmark can measure the connector's CPU
 * apart from the server's. Started by sync.ts with fork(); answers "usage" with its CPU time.
 */
import { startFakeIxc } from "@regua/test-fixtures/ixc";

const customers = Number(process.env.BENCH_CUSTOMERS ?? 33_400);
const started = performance.now();
const fake = await startFakeIxc({ seed: 2026, customers, today: "2026-03-15", user: "12", token: "bench" });
process.send?.({
  type: "ready",
  url: fake.url,
  receivables: fake.tables.fn_areceber.length,
  startMs: Math.round(performance.now() - started),
});
process.on("message", async (message: { type: string }) => {
  if (message.type === "usage") {
    process.send?.({ type: "usage", cpu: process.cpuUsage(), handlerMs: fake.serverMs() });
  }
  if (message.type === "close") {
    await fake.close();
    process.exit(0);
  }
});
