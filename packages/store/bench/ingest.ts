// Ingest benchmark: 100k invoices into a fresh SQLite file through commitPage, 1,000 per page
// (one transaction each, cursor included). Goal: ≤ 3 s. Then the same invoices again, as a
// full re-sync lists them: every row an update (the newest-wins comparison on each conflict).
// Run: pnpm --filter @regua/store bench
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "@regua/store";
import { generate, pages, peakRssMb, SOURCE } from "./dataset.ts";

const INVOICES = Number(process.env.BENCH_INVOICES ?? 100_000);
const PAGE = 1_000;
const GOAL_SECONDS = 3;

const generateStarted = performance.now();
const data = generate({
  seed: 42,
  customers: Math.ceil(INVOICES / 2.9),
  invoicesPerCustomer: 3,
  paidShare: 0.35,
});
const invoices = data.invoices.slice(0, INVOICES);
console.log(
  `generated ${data.customers.length} customers, ${invoices.length} invoices in ${((performance.now() - generateStarted) / 1000).toFixed(1)} s`,
);

const dir = mkdtempSync(join(tmpdir(), "regua-bench-ingest-"));
const store = createSqliteStore({ file: join(dir, "ingest.db") });
await store.migrate();
try {
  let customerCursor = 0;
  const customersStarted = performance.now();
  for (const page of pages(data.customers, PAGE)) {
    customerCursor += page.length;
    await store.commitPage({
      source: SOURCE,
      entity: "customers",
      customers: page,
      cursor: String(customerCursor),
      at: new Date().toISOString(),
    });
  }
  const customerSeconds = (performance.now() - customersStarted) / 1000;

  let cursor = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for (const page of pages(invoices, PAGE)) {
    cursor += page.length;
    await store.commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: page,
      cursor: String(cursor),
      at: new Date().toISOString(),
    });
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const perSecond = Math.round(invoices.length / seconds);
  console.log(
    `customers: ${data.customers.length} in ${customerSeconds.toFixed(2)} s (${Math.round(data.customers.length / customerSeconds)} records/s)`,
  );
  console.log(
    `invoices:  ${invoices.length} in ${seconds.toFixed(2)} s = ${perSecond} records/s, pages of ${PAGE}; ` +
      `goal ≤ ${GOAL_SECONDS} s → ${(seconds / GOAL_SECONDS).toFixed(2)}× of budget ${seconds <= GOAL_SECONDS ? "(met)" : "(MISSED)"}`,
  );
  console.log(
    `invoices CPU time: ${cpuSeconds.toFixed(2)} s (wall time above is inflated when the machine is busy)`,
  );
  const againCpuBefore = process.cpuUsage();
  const againStarted = performance.now();
  for (const page of pages(invoices, PAGE)) {
    await store.commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: page,
      cursor: String(invoices.length),
      at: new Date().toISOString(),
    });
  }
  const againSeconds = (performance.now() - againStarted) / 1000;
  const againCpu = process.cpuUsage(againCpuBefore);
  console.log(
    `invoices again (every row an update): ${invoices.length} in ${againSeconds.toFixed(2)} s = ${Math.round(invoices.length / againSeconds)} records/s, ` +
      `CPU time ${((againCpu.user + againCpu.system) / 1e6).toFixed(2)} s`,
  );
  console.log(`peak RSS: ${peakRssMb()} MB (includes the generated dataset held in memory)`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
