// Copies the benchmark's SQLite database into a fresh embedded PostgreSQL through commitPage,
// so both stores plan the same book. Erasable TS only (node runs it by type stripping).
import type { Customer, Invoice, Payment } from "@regua/core";
import { createPostgresStore, type ReguaStore } from "@regua/store";
import BetterSqlite3 from "better-sqlite3";
import pg from "pg";
import { startTestPostgres } from "../test/support/postgres-server.ts";
import { SOURCE } from "./dataset.ts";

const PAGE = 2_000;

function* rows<T>(file: string, sql: string, map: (row: { record: string }) => T): Generator<T[]> {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    let page: T[] = [];
    for (const row of db.prepare(sql).iterate() as Iterable<{ record: string }>) {
      page.push(map(row));
      if (page.length === PAGE) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  } finally {
    db.close();
  }
}

export async function copyIntoPostgres(file: string): Promise<{ store: ReguaStore; close(): Promise<void> }> {
  const started = performance.now();
  const server = await startTestPostgres();
  const connectionString = await server.createDatabase();
  const store = createPostgresStore({ connectionString, poolSize: 4 });
  await store.migrate();
  const at = "2026-03-10T00:00:00.000Z";
  const parse = <T>(row: { record: string }) => JSON.parse(row.record) as T;
  for (const customers of rows(file, "select record from customers", parse<Customer>))
    await store.commitPage({ source: SOURCE, entity: "customers", customers, cursor: null, at });
  let n = 0;
  for (const invoices of rows(file, "select record from invoices", parse<Invoice>)) {
    await store.commitPage({ source: SOURCE, entity: "invoices", invoices, cursor: null, at });
    n += invoices.length;
    if (n % 200_000 === 0)
      console.log(
        `  postgres: copied ${n} invoices (${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
  }
  for (const payments of rows(file, "select record from payments", parse<Payment>))
    await store.commitPage({ source: SOURCE, entity: "payments", payments, cursor: null, at });
  // What autovacuum does after a first sync this size (insert-triggered since PostgreSQL 13), done
  // now rather than at an unknown moment during the plan: statistics, and the visibility map
  // that lets the planner's invoice query read the covering index alone.
  const admin = new pg.Client({ connectionString });
  await admin.connect();
  await admin.query("vacuum (analyze)");
  await admin.end();
  console.log(
    `  postgres: copied and vacuumed the book in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  return {
    store,
    async close() {
      await store.close();
      await server.stop();
    },
  };
}
