/**
 * Benchmark: a full sync of ~100,000 receivables (fn_areceber) from the fake IXC webservice,
 * which runs in a child process. Prints records/s, the connector's CPU time against the fake
 * server's (its whole process, and the time inside its request handlers), wall time and pages.
 * Run after `pnpm build`: `node bench/sync.ts`. Env: BENCH_CUSTOMERS (default 33,400 ≈ 100k
 * receivables), BENCH_PAGE (rp, default 1000).
 */
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@regua/testkit";
import connector from "../dist/index.js";

interface Usage {
  cpu: { user: number; system: number };
  handlerMs: number;
}

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const child = fork(fileURLToPath(new URL("./fake-server.ts", import.meta.url)), { stdio: "inherit" });
const replies: ((value: unknown) => void)[] = [];
child.on("message", (m) => replies.shift()?.(m));
const next = <T>() => new Promise<T>((resolve) => replies.push(resolve as (value: unknown) => void));
const usage = () => {
  const reply = next<Usage>();
  child.send({ type: "usage" });
  return reply;
};
const cpuMs = (c: { user: number; system: number }) => (c.user + c.system) / 1000;

const ready = await next<{ url: string; receivables: number; startMs: number }>();
console.log(`fake IXC: ${ready.receivables} receivables, ready in ${(ready.startMs / 1000).toFixed(1)} s`);

const options = connector.optionsSchema.parse({
  baseUrl: ready.url,
  userId: "12",
  token: "bench",
  pageSize,
  requestsPerSecond: 1_000,
});
const ixc = await connector.create(options, createTestContext({ instanceId: "bench" }));
await ixc.healthCheck();

const serverBefore = await usage();
const cpuBefore = process.cpuUsage();
const t0 = performance.now();
let records = 0;
let pages = 0;
let rejects = 0;
for await (const page of ixc.listInvoices({})) {
  records += page.items.length;
  rejects += page.rejects?.length ?? 0;
  pages += 1;
}
const wallMs = performance.now() - t0;
const clientCpuMs = cpuMs(process.cpuUsage(cpuBefore));
const serverAfter = await usage();
const serverCpuMs = cpuMs(serverAfter.cpu) - cpuMs(serverBefore.cpu);
const handlerMs = serverAfter.handlerMs - serverBefore.handlerMs;

console.log(`receivables synced: ${records} in ${pages} pages (rp ${pageSize}), ${rejects} rejected`);
console.log(`wall ${(wallMs / 1000).toFixed(2)} s → ${Math.round(records / (wallMs / 1000))} records/s`);
console.log(
  `connector CPU ${(clientCpuMs / 1000).toFixed(2)} s (${((clientCpuMs / records) * 1000).toFixed(1)} µs/record); ` +
    `fake server CPU ${(serverCpuMs / 1000).toFixed(2)} s, wall time inside its handlers ${(handlerMs / 1000).toFixed(2)} s`,
);
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
child.send({ type: "close" });
await ixc.close();
