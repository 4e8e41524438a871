import { type Clock, systemClock } from "@regua/core";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { migrateSqlite } from "./migrate.js";
import type { Database } from "./schema.js";
import { withStatementCache } from "./statement-cache.js";
import { createKyselyStore, type ReguaStore } from "./store.js";
import { startWalCheckpointer } from "./wal-checkpointer.js";

export interface SqliteStoreOptions {
  /** A file path (created when missing) or ":memory:". */
  file: string;
  /** Encrypts plugin state at rest; required before `state()` is used. */
  secretKey?: string;
  /** Instants for plugin state (lease expiry, updated_at). Default: the system clock. */
  clock?: Clock;
  /** How long a writer waits for another process's lock, in ms. Default 5000. */
  busyTimeoutMs?: number;
  /**
   * WAL checkpoints run in a worker thread every this many ms (wal-checkpointer.ts), not inside
   * a commit on the event loop. Default 200; 0 leaves them to SQLite's auto-checkpoint on the
   * main thread. Never for ":memory:".
   */
  checkpointIntervalMs?: number;
}

/** Past this many WAL pages (about 40 MiB) a commit checkpoints on the main thread after all. */
const WAL_FALLBACK_PAGES = 10_000;

/** The default store: one file, zero setup. Migrations run when `migrate()` is called. */
export function createSqliteStore(options: SqliteStoreOptions): ReguaStore {
  const database = new BetterSqlite3(options.file);
  // https://www.sqlite.org/wal.html — readers never block the writer; NORMAL is durable in WAL
  // mode except for the last transactions on power loss, never corrupting.
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma(`busy_timeout = ${Math.trunc(options.busyTimeoutMs ?? 5000)}`);
  database.pragma("foreign_keys = ON");
  // 64 MiB page cache (the default 2 MiB thrashes on index updates during bulk sync pages).
  database.pragma("cache_size = -65536");
  database.pragma("temp_store = MEMORY");
  const intervalMs = options.checkpointIntervalMs ?? 200;
  if (!Number.isInteger(intervalMs) || intervalMs < 0)
    throw new RangeError("checkpointIntervalMs must be a whole number of ms, 0 to turn the worker off");
  const checkpointer =
    intervalMs === 0
      ? null
      : startWalCheckpointer(database, { intervalMs, fallbackPages: WAL_FALLBACK_PAGES });
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
  return createKyselyStore({
    ctx: { db, dialect: "sqlite", sqlite: database },
    migrate: () => migrateSqlite(db),
    close: async () => {
      // The worker's connection first: the last one to close checkpoints and removes the WAL.
      await checkpointer?.stop();
      // https://www.sqlite.org/pragma.html#pragma_optimize — refreshes planner statistics where useful.
      await sql`pragma optimize`.execute(db);
      await db.destroy();
    },
    secretKey: options.secretKey,
    clock: options.clock ?? systemClock,
  });
}
