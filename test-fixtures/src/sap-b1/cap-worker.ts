/**
 * Runs CAP (@sap/cds + @cap-js/sqlite, in-memory) in a worker thread: CAP keeps its model
 * and database in module globals (`cds.model`, `cds.db`), so each fake gets its own worker
 * and two fakes in one process never share data. The HTTP front talks to it over 127.0.0.1.
 *
 * This file imports nothing from the package so that it runs both compiled (dist) and from
 * source through Node's type stripping.
 */
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { parentPort, workerData } from "node:worker_threads";

interface CapWorkerData {
  csn: { $sources: string[]; definitions: Record<string, unknown> };
  rows: Record<string, Record<string, unknown>[]>;
  /** SQL run after deployment: the indexes a Service Layer database has on its change stamps. */
  sql: string[];
}

interface Cds {
  env: { query: { limit: { default?: number; max?: number } } };
  log(id: string, level: string): unknown;
  model: unknown;
  compile: { for: { nodejs(csn: unknown): unknown } };
  connect: { to(name: string, options: unknown): Promise<{ run(query: unknown): Promise<unknown> }> };
  deploy(csn: unknown): { to(db: unknown): Promise<unknown> };
  serve(name: string): { from(csn: unknown): { in(app: unknown): Promise<unknown> } };
  ql: {
    INSERT: {
      into(entity: string): {
        entries(rows: unknown[]): unknown;
        columns(names: string[]): { rows(values: unknown[][]): unknown };
      };
    };
  };
}

const require = createRequire(import.meta.url);
const cds = require("@sap/cds") as Cds;
// CAP 10 serves through its own express; resolve it from @sap/cds, not from this package.
const express = createRequire(require.resolve("@sap/cds"))("express") as () => {
  listen(port: number, host: string, callback: () => void): Server;
};

for (const id of ["cds", "odata", "sqlite", "db", "deploy", "serve", "app", "auth", "server"])
  cds.log(id, "error");

const CHUNK = 5_000;

async function start(): Promise<void> {
  const data = workerData as CapWorkerData;
  const db = await cds.connect.to("db", { kind: "sqlite", credentials: { url: ":memory:" } });
  await cds.deploy(data.csn).to(db);
  for (const statement of data.sql) await db.run(statement);
  for (const [set, rows] of Object.entries(data.rows)) {
    // Only the columns the rows have: the tables carry every scalar of the metadata (~300),
    // and INSERT … entries() would extract each of them from every row.
    const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
    const flat = !rows.some((row) => Object.values(row).some((v) => typeof v === "object" && v !== null));
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const insert = cds.ql.INSERT.into(`sapb1.${set}`);
      await db.run(
        flat
          ? insert.columns(columns).rows(chunk.map((row) => columns.map((c) => row[c] ?? null)))
          : insert.entries(chunk),
      );
    }
  }
  // CAP 10.1.1's OData read path needs the global model: with only the served service's
  // model, any request with an explicit $select never reaches the service (it hangs).
  cds.model = cds.compile.for.nodejs(data.csn);
  // Paging is the front's job (the Service Layer's rules, not CAP's 1000-row cap).
  cds.env.query.limit.default = 1_000_000;
  cds.env.query.limit.max = 1_000_000;
  const app = express();
  await cds.serve("ServiceLayer").from(data.csn).in(app);
  const server = app.listen(0, "127.0.0.1", () => {
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    parentPort?.postMessage({ type: "listening", port });
  });
  server.keepAliveTimeout = 60_000;
  parentPort?.on("message", (message: { type: string }) => {
    if (message.type === "close") server.close(() => process.exit(0));
  });
}

start().catch((error: unknown) => {
  parentPort?.postMessage({ type: "error", message: error instanceof Error ? error.stack : String(error) });
});
