import { type Clock, ConfigError } from "@regua/core";
import { createPostgresStore } from "./postgres.js";
import { createSqliteStore } from "./sqlite.js";
import type { ReguaStore } from "./store.js";

export type { SnapshotOptions } from "@regua/core";
export type { PauseInput } from "./contacts.js";
export { createPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export type { Dialect } from "./schema.js";
export { createSqliteStore, type SqliteStoreOptions } from "./sqlite.js";
export type { ReguaStore } from "./store.js";

export type StoreConfig = { sqlite: string } | { postgres: string };

export interface StoreOptions {
  secretKey?: string;
  /** PostgreSQL pool size. */
  poolSize?: number;
  /** Instants for plugin state (lease expiry, updated_at). Default: the system clock. */
  clock?: Clock;
}

/** The runner's `store:` config line → a store (not yet migrated: call `migrate()`). */
export function createStore(config: StoreConfig, options: StoreOptions = {}): ReguaStore {
  if ("sqlite" in config)
    return createSqliteStore({ file: config.sqlite, secretKey: options.secretKey, clock: options.clock });
  if ("postgres" in config) {
    return createPostgresStore({
      connectionString: config.postgres,
      poolSize: options.poolSize,
      secretKey: options.secretKey,
      clock: options.clock,
    });
  }
  throw new ConfigError(
    'store config needs either { sqlite: "<file>" } or { postgres: "<connection string>" }',
  );
}
