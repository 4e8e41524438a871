// Snapshot streaming benchmark: ~1M invoices / 200k customers in SQLite, read back as
// CustomerSnapshot batches the way the planner consumes them. The database is built once (by
// commitPage, streamed from the seeded generator) and cached in the OS temp dir; set
// BENCH_REBUILD=1 to rebuild. Run: pnpm --filter @regua/store bench
import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSqliteStore } from "@regua/store";
import { createFaker, generateCustomers, generateInvoices, paymentsFor } from "@regua/test-fixtures";
import { currentRssMb, peakRssMb, SOURCE, TODAY, toCustomer, toInvoice, toPayment } from "./dataset.ts";

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 200_000);
/** Mean 5.5 invoices per customer (1..10 each) → ~1.1M invoices, ~1M of them unpaid. */
const INVOICES_PER_CUSTOMER = 5.5;
const PAID_SHARE = 0.08;
const CHUNK = 2_000;
export const BENCH_DB = join(tmpdir(), `regua-bench-snapshots-${CUSTOMERS}.db`);

export async function ensureDatabase(file: string): Promise<void> {
  if (existsSync(file) && !process.env.BENCH_REBUILD) return;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(file + suffix, { force: true });
  const store = createSqliteStore({ file });
  await store.migrate();
  const started = performance.now();
  const faker = createFaker(7);
  let invoiceId = 1;
  let chunkIndex = 0;
  let customersDone = 0;
  let invoicesDone = 0;
  const customerStream = generateCustomers(faker, CUSTOMERS, TODAY);
  for (;;) {
    const generated = [];
    for (let next = customerStream.next(); !next.done; next = customerStream.next()) {
      generated.push(next.value);
      if (generated.length === CHUNK) break;
    }
    if (generated.length === 0) break;
    const invoices = [
      ...generateInvoices(faker, generated, {
        today: TODAY,
        invoicesPerCustomer: INVOICES_PER_CUSTOMER,
        paidShare: PAID_SHARE,
        firstId: invoiceId,
      }),
    ];
    invoiceId += invoices.length;
    // paymentsFor numbers payments from 1 on each call: prefix them with the chunk.
    const payments = [...paymentsFor(invoices, faker)].map((p) => ({
      ...toPayment(p),
      externalId: `${chunkIndex}-${p.id}`,
    }));
    const at = new Date().toISOString();
    await store.commitPage({
      source: SOURCE,
      entity: "customers",
      customers: generated.map(toCustomer),
      cursor: null,
      at,
    });
    for (let i = 0; i < invoices.length; i += 1_000) {
      const page = invoices.slice(i, i + 1_000).map(toInvoice);
      await store.commitPage({
        source: SOURCE,
        entity: "invoices",
        invoices: page,
        cursor: String(invoiceId),
        at,
      });
    }
    await store.commitPage({ source: SOURCE, entity: "payments", payments, cursor: null, at });
    chunkIndex++;
    customersDone += generated.length;
    invoicesDone += invoices.length;
    if (chunkIndex % 10 === 0) {
      const seconds = (performance.now() - started) / 1000;
      console.log(`  built ${customersDone} customers, ${invoicesDone} invoices (${seconds.toFixed(0)} s)`);
    }
  }
  await store.close();
  console.log(`built ${file} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

export async function streamSnapshots(file: string, batchSize: number) {
  const store = createSqliteStore({ file });
  const rssBefore = currentRssMb();
  let customers = 0;
  let invoices = 0;
  let maxRss = currentRssMb();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for await (const batch of store.snapshots({ batchSize, now: `${TODAY}T12:00:00.000Z` })) {
    customers += batch.length;
    for (const snapshot of batch) invoices += snapshot.invoices.length;
    maxRss = Math.max(maxRss, currentRssMb());
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await store.close();
  return { customers, invoices, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, maxRss, rssBefore };
}

if (import.meta.main) {
  await ensureDatabase(BENCH_DB);
  const batchSize = Number(process.env.BENCH_BATCH ?? 1_000);
  const result = await streamSnapshots(BENCH_DB, batchSize);
  console.log(
    `snapshots: ${result.customers} customers with ${result.invoices} unpaid invoices streamed in ` +
      `${result.seconds.toFixed(2)} s (CPU ${result.cpuSeconds.toFixed(2)} s), batches of ${batchSize}; ` +
      `${Math.round(result.invoices / result.seconds)} invoices/s`,
  );
  console.log(
    `RSS: ${result.rssBefore} MB before streaming (modules loaded), max ${result.maxRss} MB sampled per ` +
      `batch while streaming; process peak ${peakRssMb()} MB. Heap is bounded by the batch size: ` +
      "the run also completes under node --max-old-space-size=128",
  );
}
