import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * Kysely's SQLite driver prepares every query afresh. better-sqlite3 frees a prepared statement
 * only when its JS object is collected, and V8 does not see that native memory: a bulk sync or
 * plan (thousands of 500-row INSERTs) grew the process by gigabytes, and preparing was a visible
 * share of the CPU. Sync pages and batches repeat the same SQL text, so an LRU of prepared
 * statements removes both. A statement still being iterated (busy) is never handed out twice.
 * https://github.com/WiseLibs/better-sqlite3/blob/master/docs/api.md#class-statement
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity = 200): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => {
      cache.clear();
      database.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Refresh its place in the LRU order.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > capacity) {
          const oldest = cache.keys().next().value;
          if (oldest !== undefined) cache.delete(oldest);
        }
      }
      return statement;
    },
  };
}
