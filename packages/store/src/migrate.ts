import { type Kysely, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { migrationProvider } from "./migrations.js";
import type { Database, Dialect } from "./schema.js";

/** Session advisory lock id for migrations ("regua" in ASCII), distinct from Kysely's own. */
const PG_MIGRATION_LOCK = 0x7265677561;

async function migrateToLatest(
  db: Kysely<Database>,
  dialect: Dialect,
  disableTransactions: boolean,
): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    migrationTableName: "regua_migrations",
    migrationLockTableName: "regua_migrations_lock",
    disableTransactions,
    // Migrations are numbered per workstream (0050 webhook queue, 0060 plan changes, …) and can
    // land in any order: a database that already ran a later number still gets an earlier one.
    allowUnorderedMigrations: true,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName ?? "(setup)";
    throw new Error(`@regua/store: migration ${failed} failed: ${String(error)}`, { cause: error });
  }
}

/**
 * PostgreSQL: two processes starting together serialise on an advisory lock held for the whole
 * run, including the migrator's own bookkeeping tables (whose CREATE TABLE IF NOT EXISTS is not
 * race-free by itself). Each migration still runs in its own transaction.
 */
export async function migratePostgres(db: Kysely<Database>): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(PG_MIGRATION_LOCK)})`.execute(conn);
    try {
      await migrateToLatest(conn, "postgres", false);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(PG_MIGRATION_LOCK)})`.execute(conn);
    }
  });
}

/**
 * SQLite: BEGIN IMMEDIATE takes the file's write lock up front (other processes wait on
 * busy_timeout), so the check-then-create in the migrator cannot interleave between processes.
 * The whole run is one transaction: SQLite DDL is transactional.
 */
export async function migrateSqlite(db: Kysely<Database>): Promise<void> {
  await db.connection().execute(async (conn) => {
    // Index builds over a large book (0300, 0302 on 1M invoices) sort through temporary files
    // rather than the store's in-memory temp_store, which peaked at ~2 GB RSS.
    await sql`pragma temp_store = FILE`.execute(conn);
    await sql`begin immediate`.execute(conn);
    try {
      await migrateToLatest(conn, "sqlite", true);
      await sql`commit`.execute(conn);
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    } finally {
      await sql`pragma temp_store = MEMORY`.execute(conn);
    }
  });
}
