import { sql } from "kysely";
import type { Db, StoreContext } from "./schema.js";

/**
 * Runs `work` in one write transaction. On SQLite it is BEGIN IMMEDIATE: the file's write lock
 * is taken up front (waiting on busy_timeout), because a deferred transaction that reads first
 * and then writes fails at once with SQLITE_BUSY when another process wrote in between.
 * https://www.sqlite.org/lang_transaction.html
 */
export async function writeTransaction<T>(ctx: StoreContext, work: (trx: Db) => Promise<T>): Promise<T> {
  if (ctx.dialect === "postgres") return ctx.db.transaction().execute(work);
  return ctx.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    try {
      const result = await work(conn);
      await sql`commit`.execute(conn);
      return result;
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
  });
}
