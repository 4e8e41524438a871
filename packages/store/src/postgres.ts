import { type Clock, systemClock } from "@regua/core";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { migratePostgres } from "./migrate.js";
import type { Database } from "./schema.js";
import { createKyselyStore, type ReguaStore } from "./store.js";

export interface PostgresStoreOptions {
  connectionString: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Encrypts plugin state at rest; required before `state()` is used. */
  secretKey?: string;
  /** Instants for plugin state (lease expiry, updated_at). Default: the system clock. */
  clock?: Clock;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** BIGINT (money, counts) and NUMERIC (sums) as numbers: minor units stay far below 2^53. */
function toSafeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new RangeError(`@regua/store: ${text} does not fit a safe integer`);
  return value;
}

const types = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return toSafeNumber;
    return pg.types.getTypeParser(oid, format ?? "text");
  },
};

/** For several runner replicas: claims use FOR UPDATE SKIP LOCKED; migrations an advisory lock. */
export function createPostgresStore(options: PostgresStoreOptions): ReguaStore {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    types,
  });
  // An idle connection the server closed (a restart, a failover, an idle timeout) is an 'error'
  // event on the pool: with no listener it would end the process. pg drops that connection and
  // the next query opens a fresh one, so a warning is all it needs.
  // https://node-postgres.com/apis/pool#error
  pool.on("error", (error) => {
    process.emitWarning(
      `régua store: a PostgreSQL connection was closed while idle (${error.message}); the next query opens a new one`,
    );
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return createKyselyStore({
    ctx: { db, dialect: "postgres" },
    migrate: () => migratePostgres(db),
    close: () => db.destroy(),
    secretKey: options.secretKey,
    clock: options.clock ?? systemClock,
  });
}
