/**
 * Benchmark: a full invoice sync of ~100,000 invoices from the fake Odoo (in a child process),
 * once over XML-RPC and once over JSON-2 (both against a fake Odoo 19, which serves both, so the
 * data is the same). Prints records/s, the connector's CPU time against the fake's, and peak RSS.
 * Run after `pnpm build`: `pnpm bench`. Env: BENCH_CUSTOMERS (default 33,400 ≈ 100k invoices),
 * BENCH_PAGE (default 1000), BENCH_PROTOCOLS (default "xmlrpc,json2").
 */
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { createTestContext } from "@regua/testkit";
import connector from "../dist/index.js";

interface Usage {
  cpu: { user: number; system: number };
  maxRssKb: number;
}

const pageSize = Number(process.env.BENCH_PAGE ?? 1000);
const protocols = (process.env.BENCH_PROTOCOLS ?? "xmlrpc,json2").split(",") as ("xmlrpc" | "json2")[];
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

const ready = await next<{ url: string; invoices: number; startMs: number }>();
console.log(
  `fake Odoo 19: ${ready.invoices} account.move rows, ready in ${(ready.startMs / 1000).toFixed(1)} s`,
);

for (const protocol of protocols) {
  const options = connector.optionsSchema.parse({
    url: ready.url,
    database: "odoo",
    login: "admin",
    apiKey: "bench-key",
    protocol,
    pageSize,
  });
  const odoo = await connector.create(options, createTestContext({ instanceId: "bench" }));
  await odoo.healthCheck(); // protocol choice and login outside the measurement
  const serverBefore = await usage();
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  let records = 0;
  let pages = 0;
  let rejects = 0;
  for await (const page of odoo.listInvoices({})) {
    records += page.items.length;
    rejects += page.rejects?.length ?? 0;
    pages += 1;
  }
  const wallMs = performance.now() - t0;
  const clientCpu = cpuMs(process.cpuUsage(cpuBefore));
  const serverAfter = await usage();
  const serverCpu = cpuMs(serverAfter.cpu) - cpuMs(serverBefore.cpu);
  console.log(
    [
      `${protocol.padEnd(6)} ${records} invoices in ${pages} pages (${rejects} rejects)`,
      `${(wallMs / 1000).toFixed(1)} s wall, ${Math.round(records / (wallMs / 1000))} records/s`,
      `connector CPU ${(clientCpu / 1000).toFixed(1)} s (${((clientCpu / records) * 1000).toFixed(0)} µs/record)`,
      `fake server CPU ${(serverCpu / 1000).toFixed(1)} s`,
      `connector RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB, server ${Math.round(serverAfter.maxRssKb / 1024)} MB`,
    ].join(" | "),
  );
  await odoo.close();
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (2 cores shared)`,
);
child.send({ type: "close" });
