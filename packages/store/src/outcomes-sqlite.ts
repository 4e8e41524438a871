import type { ActionOutcome } from "@regua/core";
import type BetterSqlite3 from "better-sqlite3";
import { toInstant, toInstantOrNull } from "./codec.js";
import type { StoreContext } from "./schema.js";

/**
 * Outcomes on SQLite (issue 10): the statements of commitOutcome (outcomes.ts), prepared once per
 * connection and run on the driver in one synchronous IMMEDIATE transaction. Through Kysely, every
 * outcome built, compiled and awaited three queries (its compare-and-set, its activity, its audit
 * entry): about a tenth of the runner's main thread at 1,000 messages a second, more than SQLite
 * spent running them. The SQL and the answers are the same as the Kysely path's; the shared store
 * suite runs both stores against them.
 *
 * The compare-and-set's text depends on which patch fields are set (a handful of shapes in
 * practice), so each shape is prepared on first use and kept. The `from` statuses are one JSON
 * parameter, so the text does not depend on how many there are.
 */
export function commitOutcomesSqlite(
  ctx: StoreContext,
  database: BetterSqlite3.Database,
  outcomes: readonly ActionOutcome[],
): Promise<boolean[]> {
  const s = statements(database);
  // Holding Kysely's only connection: nothing of another caller's transaction is open meanwhile.
  return ctx.db
    .connection()
    .execute(async () =>
      database.transaction(() => outcomes.map((outcome) => writeOutcome(s, outcome))).immediate(),
    );
}

function writeOutcome(s: Statements, outcome: ActionOutcome): boolean {
  if (outcome.from.length === 0) return false;
  const { sql, params } = compareAndSet(outcome);
  let statement = s.moves.get(sql);
  if (statement === undefined) {
    statement = s.database.prepare(sql);
    s.moves.set(sql, statement);
  }
  if (statement.run(params).changes === 0) return false;
  const at = toInstant(outcome.patch.at);
  for (const activity of outcome.activities ?? []) {
    s.activity.run(activity.key, activity.source, JSON.stringify(activity), at, at, at);
  }
  for (const entry of outcome.audit ?? []) {
    s.audit.run(toInstant(entry.at), entry.actor, entry.action, entry.subject, JSON.stringify(entry.detail));
  }
  return true;
}

/** outcomes.ts compareAndSet, spelt out: the patch's columns only, then the key, statuses and lease. */
function compareAndSet({ key, from, to, patch }: ActionOutcome): { sql: string; params: unknown[] } {
  const set = ["status = ?", "updated_at = ?"];
  const params: unknown[] = [to, toInstant(patch.at)];
  const column = (name: string, value: unknown) => {
    set.push(`${name} = ?`);
    params.push(value);
  };
  if (patch.providerMessageId !== undefined) column("provider_message_id", patch.providerMessageId);
  if (patch.statusReason !== undefined) column("status_reason", patch.statusReason);
  if (patch.sentAt !== undefined) column("sent_at", toInstant(patch.sentAt));
  if (patch.dueAt !== undefined) column("due_at", toInstant(patch.dueAt));
  if (patch.reconciled !== undefined) column("reconciled", patch.reconciled);
  if (patch.claimedUntil !== undefined) {
    column("claimed_until", toInstantOrNull(patch.claimedUntil));
    if (patch.claimedUntil === null) set.push("claimed_by = null");
  }
  if (patch.incrementAttempts) set.push("attempts = attempts + 1");
  params.push(key, JSON.stringify(from));
  let sql = `update actions set ${set.join(", ")} where key = ? and status in (select value from json_each(?))`;
  if (patch.leaseHolder !== undefined) {
    sql += " and claimed_by = ? and claimed_until > ?";
    params.push(patch.leaseHolder, params[1]);
  }
  return { sql, params };
}

interface Statements {
  database: BetterSqlite3.Database;
  /** The compare-and-set, one per SQL text (patch shape). */
  moves: Map<string, BetterSqlite3.Statement>;
  activity: BetterSqlite3.Statement;
  audit: BetterSqlite3.Statement;
}

const prepared = new WeakMap<BetterSqlite3.Database, Statements>();

function statements(database: BetterSqlite3.Database): Statements {
  let cached = prepared.get(database);
  if (cached === undefined) {
    cached = {
      database,
      moves: new Map(),
      // insertActivity (activities.ts): once per key.
      activity: database.prepare(
        `insert into activities (key, source, record, status, attempts, next_attempt_at, created_at, updated_at)
         values (?, ?, ?, 'pending', 0, ?, ?, ?) on conflict (key) do nothing`,
      ),
      // appendAuditIn (events.ts).
      audit: database.prepare(
        "insert into audit_log (at, actor, action, subject, detail) values (?, ?, ?, ?, ?)",
      ),
    };
    prepared.set(database, cached);
  }
  return cached;
}
