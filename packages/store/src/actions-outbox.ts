import type { ActionHistoryEntry, ActionPatch, ActionRow, ActionStatus, PlannedAction } from "@regua/core";
import type BetterSqlite3 from "better-sqlite3";
import { type Insertable, sql } from "kysely";
import { addMs, readActionRow, readHistoryEntry, toInstant, toInstantOrNull, toNumber } from "./codec.js";
import { jsonArrayContains } from "./json-sql.js";
import { recoverActions, recoverActionsAtOnce, transitionIn, transitionManyIn } from "./outcomes.js";
import { arrayLiteral } from "./pg-array.js";
import type { ActionsTable, Db, StoreContext } from "./schema.js";
import { readActionRows, storeTraces, type TraceHashes } from "./traces.js";
import { writeTransaction } from "./tx.js";

const OPEN_STATUSES: ActionStatus[] = ["planned", "claimed"];

/** Rows per INSERT (16 columns each): under SQLite's and PostgreSQL's bound-parameter limits. */
const ACTIONS_PER_STATEMENT = 500;

export async function insertActions(
  ctx: StoreContext,
  actions: readonly PlannedAction[],
  at: string,
): Promise<number> {
  if (actions.length === 0) return 0;
  const now = toInstant(at);
  const payloadJson = payloadSerializer();
  const sqlite = ctx.sqlite;
  if (sqlite) {
    // Inside writeTransaction we hold Kysely's only SQLite connection: the raw handle is safe here.
    return writeTransaction(ctx, async (trx) => {
      const traceHash = await storeTraces(trx, actions);
      return insertActionsSqlite(sqlite, actions, (action, params) => {
        params.push(
          action.key,
          action.source,
          action.customerRef,
          JSON.stringify(action.invoiceRefs),
          action.stepId,
          action.kind,
          action.channel,
          action.template,
          toInstant(action.dueAt),
          toInstantOrNull(action.expiresAt),
          payloadJson(action.payload),
          traceHash(action.trace),
          "planned",
          0,
          now,
          now,
        );
      });
    });
  }
  const byKey = new Map<string, PlannedAction>();
  for (const action of actions) if (!byKey.has(action.key)) byKey.set(action.key, action);
  const unique = [...byKey.values()];
  return writeTransaction(ctx, async (trx) => {
    const traceHash = await storeTraces(trx, unique);
    if (ctx.dialect === "postgres") return insertActionsUnnest(trx, unique, now, traceHash, payloadJson);
    let inserted = 0;
    for (let i = 0; i < unique.length; i += ACTIONS_PER_STATEMENT) {
      const chunk = unique.slice(i, i + ACTIONS_PER_STATEMENT);
      // ON CONFLICT DO NOTHING + RETURNING yields exactly the keys that were new (both dialects).
      const fresh = await trx
        .insertInto("actions")
        .values(chunk.map((action) => actionValues(action, now, traceHash, payloadJson)))
        .onConflict((oc) => oc.column("key").doNothing())
        .returning("key")
        .execute();
      inserted += fresh.length;
    }
    return inserted;
  });
}

/** plan() shares one frozen payload object between the actions of a step and due date. */
function payloadSerializer(): (payload: Readonly<Record<string, unknown>>) => string {
  const payloads = new Map<Readonly<Record<string, unknown>>, string>();
  return (payload) => {
    let json = payloads.get(payload);
    if (json === undefined) {
      json = JSON.stringify(payload);
      payloads.set(payload, json);
    }
    return json;
  };
}

/** The columns the SQLite path writes, in the order its row callback pushes their values. */
const INSERT_COLUMNS = [
  "key",
  "source",
  "customer_ref",
  "invoice_refs",
  "step_id",
  "kind",
  "channel",
  "template",
  "due_at",
  "expires_at",
  "payload",
  "trace_hash",
  "status",
  "attempts",
  "created_at",
  "updated_at",
] as const satisfies readonly (keyof ActionsTable)[];

interface SqliteActionInserts {
  /** ACTIONS_PER_STATEMENT rows. */
  many: BetterSqlite3.Statement<unknown[]>;
  /** One row: the remainder of a call. */
  one: BetterSqlite3.Statement<unknown[]>;
}

const sqliteInserts = new WeakMap<BetterSqlite3.Database, SqliteActionInserts>();

function sqliteInsertSql(rows: number): string {
  const tuple = `(${INSERT_COLUMNS.map(() => "?").join(", ")})`;
  const columns = INSERT_COLUMNS.map((column) => `"${column}"`).join(", ");
  return `insert into "actions" (${columns}) values ${Array.from({ length: rows }, () => tuple).join(", ")} on conflict ("key") do nothing`;
}

const byKey = (a: PlannedAction, b: PlannedAction): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * SQLite: a plan inserts ~800k actions. Through Kysely each 500-row INSERT was compiled afresh
 * (8,000 parameters) and more time went there than into SQLite (bench/plan.ts, 800k actions:
 * 17 → 10 µs per action). The same INSERT … ON CONFLICT DO NOTHING as the other path, as two
 * statements prepared once per connection, bound positionally (`pushRow` mirrors actionValues;
 * the shared suite reads rows back on both dialects); `changes` counts the rows really inserted.
 * Rows go in key order (the key index is then written page by page, not all over); the sort is
 * stable and repeated keys are skipped, so the first of a key wins as in the other path.
 * Runs inside the caller's BEGIN IMMEDIATE transaction.
 */
function insertActionsSqlite(
  database: BetterSqlite3.Database,
  actions: readonly PlannedAction[],
  pushRow: (action: PlannedAction, params: unknown[]) => void,
): number {
  let statements = sqliteInserts.get(database);
  if (statements === undefined) {
    statements = {
      many: database.prepare(sqliteInsertSql(ACTIONS_PER_STATEMENT)),
      one: database.prepare(sqliteInsertSql(1)),
    };
    sqliteInserts.set(database, statements);
  }
  const sorted = [...actions].sort(byKey);
  const unique: PlannedAction[] = [];
  for (const action of sorted) if (unique.at(-1)?.key !== action.key) unique.push(action);
  let inserted = 0;
  let i = 0;
  const params: unknown[] = [];
  for (; i + ACTIONS_PER_STATEMENT <= unique.length; i += ACTIONS_PER_STATEMENT) {
    params.length = 0;
    for (let j = i; j < i + ACTIONS_PER_STATEMENT; j++) pushRow(unique[j] as PlannedAction, params);
    inserted += statements.many.run(params).changes;
  }
  for (; i < unique.length; i++) {
    params.length = 0;
    pushRow(unique[i] as PlannedAction, params);
    inserted += statements.one.run(params).changes;
  }
  return inserted;
}

/** What a plan's new actions all have alike (actionValues): bound once per insert on PostgreSQL. */
const SHARED_COLUMNS = ["status", "attempts", "created_at", "updated_at"] as const;
const PER_ROW_COLUMNS = INSERT_COLUMNS.filter(
  (column): column is Exclude<(typeof INSERT_COLUMNS)[number], (typeof SHARED_COLUMNS)[number]> =>
    !(SHARED_COLUMNS as readonly string[]).includes(column),
);

/** Rows per statement on PostgreSQL: 12 array parameters whatever the count; bounds one statement's memory. */
const ACTIONS_PER_UNNEST = 5_000;

/**
 * PostgreSQL: one INSERT … SELECT FROM unnest(12 arrays) per 5,000 actions instead of 500-row
 * VALUES lists (8,000 parameters each, parsed and planned afresh every time): the statement text
 * never changes, and the server parses and plans it once per call instead of per 500 rows. Each
 * array goes as one literal (arrayLiteral); status, attempts and the two instants, the same for
 * every new action, go once rather than as arrays of equal elements to build, send and parse
 * (for a 1M-invoice plan's 210k actions: 66 → 52 MB of literals, 0.6–1.0 → 0.55–0.6 s). Same ON
 * CONFLICT DO NOTHING as the other path; the statement answers how many rows it inserted, not
 * their keys (a plan's 210k keys sent back and parsed only to be counted).
 */
async function insertActionsUnnest(
  trx: Db,
  actions: readonly PlannedAction[],
  now: string,
  traceHash: TraceHashes,
  payloadJson: (payload: Readonly<Record<string, unknown>>) => string,
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < actions.length; i += ACTIONS_PER_UNNEST) {
    const rows = actions
      .slice(i, i + ACTIONS_PER_UNNEST)
      .map((action) => actionValues(action, now, traceHash, payloadJson));
    // One array per column that differs between rows, from the same row values the other path
    // writes; the columns every new action shares, once.
    const arrays = PER_ROW_COLUMNS.map(
      (column) => sql`${arrayLiteral(rows.map((row) => row[column]))}::text[]`,
    );
    const shared = rows[0]!;
    const result = await sql<{ inserted: number }>`with fresh as (
      insert into actions (${sql.join([...PER_ROW_COLUMNS, ...SHARED_COLUMNS].map((name) => sql.ref(name)))})
      select *, ${shared.status}::text, ${shared.attempts}::integer, ${shared.created_at}::text,
        ${shared.updated_at}::text
      from unnest(${sql.join(arrays)})
      on conflict (key) do nothing
      returning 1)
      select count(*) as inserted from fresh`.execute(trx);
    inserted += result.rows[0]?.inserted ?? 0;
  }
  return inserted;
}

function actionValues(
  action: PlannedAction,
  now: string,
  traceHash: TraceHashes,
  payloadJson: (payload: Readonly<Record<string, unknown>>) => string,
): Insertable<ActionsTable> {
  return {
    key: action.key,
    source: action.source,
    customer_ref: action.customerRef,
    invoice_refs: JSON.stringify(action.invoiceRefs),
    step_id: action.stepId,
    kind: action.kind,
    channel: action.channel,
    template: action.template,
    due_at: toInstant(action.dueAt),
    expires_at: toInstantOrNull(action.expiresAt),
    payload: payloadJson(action.payload),
    trace_hash: traceHash(action.trace),
    status: "planned",
    attempts: 0,
    created_at: now,
    updated_at: now,
  };
}

export async function claimDueActions(
  ctx: StoreContext,
  options: { now: string; limit: number; workerId: string; leaseMs: number },
): Promise<ActionRow[]> {
  const claim = claimQuery(ctx, options);
  const byDue = (a: ActionRow, b: ActionRow) => a.dueAt.localeCompare(b.dueAt) || a.key.localeCompare(b.key);
  if (ctx.dialect === "postgres") return (await claimWithTraces(ctx.db, claim)).sort(byDue);
  return (await readActionRows(ctx.db, await claim.execute())).sort(byDue);
}

type ClaimQuery = ReturnType<typeof claimQuery>;

/**
 * One statement, atomic on both dialects (no explicit transaction: with better-sqlite3 an open
 * transaction would hold the file's write lock across awaits).
 */
function claimQuery(
  ctx: StoreContext,
  options: { now: string; limit: number; workerId: string; leaseMs: number },
) {
  const now = toInstant(options.now);
  const claimedUntil = addMs(now, options.leaseMs);
  let due = ctx.db
    .selectFrom("actions")
    .select("key")
    .where("status", "=", "planned")
    .where("due_at", "<=", now)
    .orderBy("due_at")
    .orderBy("key")
    .limit(options.limit);
  // Several runners on one PostgreSQL: each skips the rows another is claiming, so a due action
  // goes to exactly one of them. SQLite has a single writer, so the UPDATE alone is enough.
  if (ctx.dialect === "postgres") due = due.forUpdate().skipLocked();
  // A MATERIALIZED CTE runs the locking select exactly once. As a plain `IN (subquery)`,
  // PostgreSQL may re-run it per outer row and, skipping the rows it just locked, claim more than
  // `limit` (seen in this suite).
  return (
    ctx.db
      .with(
        (cte) => cte("due").materialized(),
        () => due,
      )
      .updateTable("actions")
      .set({ status: "claimed", claimed_by: options.workerId, claimed_until: claimedUntil, updated_at: now })
      .where("key", "in", (eb) => eb.selectFrom("due").select("due.key"))
      // SQLite: `+status` keeps this term off actions_due, so the UPDATE finds its ≤ limit rows by
      // key. Without planner statistics (a database never closed, so never `pragma optimize`d)
      // SQLite otherwise walked every planned row through actions_due: ~100 ms per claim at 200k.
      .where(
        ctx.dialect === "sqlite" ? sql<string>`+${sql.ref("status")}` : sql.ref("status"),
        "=",
        "planned",
      )
      .returningAll()
  );
}

/**
 * PostgreSQL: the claimed rows' traces joined in the claim's own statement (the UPDATE as a
 * data-modifying CTE), not read after it: one round trip fewer per batch, and before a
 * dispatch's first send. SQLite has no UPDATE in a WITH; its second read is an in-process call.
 */
async function claimWithTraces(db: Db, claim: ClaimQuery): Promise<ActionRow[]> {
  const rows = await db
    .with("claimed", () => claim)
    .selectFrom("claimed")
    .leftJoin("action_traces", "action_traces.hash", "claimed.trace_hash")
    .selectAll("claimed")
    .select("action_traces.trace")
    .execute();
  return rows.map(({ trace, ...row }) => readActionRow(row, trace ?? "null"));
}

export async function transitionAction(
  ctx: StoreContext,
  key: string,
  from: readonly ActionStatus[],
  to: ActionStatus,
  patch: ActionPatch,
): Promise<boolean> {
  return transitionIn(ctx.db, key, from, to, patch);
}

export async function transitionActions(
  ctx: StoreContext,
  keys: readonly string[],
  from: readonly ActionStatus[],
  to: ActionStatus,
  patch: ActionPatch,
): Promise<string[]> {
  return transitionManyIn(ctx, keys, from, to, patch);
}

export async function getAction(ctx: StoreContext, key: string): Promise<ActionRow | null> {
  const row = await ctx.db.selectFrom("actions").selectAll().where("key", "=", key).executeTakeFirst();
  return row ? ((await readActionRows(ctx.db, [row]))[0] ?? null) : null;
}

export async function findActionByProviderMessageId(
  ctx: StoreContext,
  providerMessageId: string,
): Promise<ActionRow | null> {
  const row = await ctx.db
    .selectFrom("actions")
    .selectAll()
    .where("provider_message_id", "=", providerMessageId)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return row ? ((await readActionRows(ctx.db, [row]))[0] ?? null) : null;
}

export async function skipOpenActions(
  ctx: StoreContext,
  options: { source: string; customerRef: string; invoiceRef?: string; reason: string; at: string },
): Promise<number> {
  let query = ctx.db
    .updateTable("actions")
    .set({
      status: "skipped",
      status_reason: options.reason,
      claimed_until: null,
      updated_at: toInstant(options.at),
    })
    .where("source", "=", options.source)
    .where("customer_ref", "=", options.customerRef)
    .where("status", "in", OPEN_STATUSES);
  if (options.invoiceRef !== undefined) {
    const invoiceRef = options.invoiceRef;
    query = query.where(jsonArrayContains(ctx.dialect, sql.ref("invoice_refs"), sql.val(invoiceRef)));
  }
  const result = await query.executeTakeFirst();
  return toNumber(result.numUpdatedRows);
}

export async function recoverExpiredLeases(
  ctx: StoreContext,
  nowInput: string,
): Promise<{ released: number; unknown: number }> {
  const now = toInstant(nowInput);
  const owners = { expiredBefore: now };
  const reason = "lease expired while sending; reconcile from status webhooks";
  if (ctx.dialect === "postgres") return recoverActionsAtOnce(ctx.db, now, owners, reason);
  return writeTransaction(ctx, (trx) => recoverActions(trx, now, owners, reason));
}

export async function listActions(
  ctx: StoreContext,
  options: {
    status?: ActionStatus[];
    source?: string;
    customerRef?: string;
    channel?: string;
    sentSince?: string;
    limit?: number;
  },
): Promise<ActionRow[]> {
  let query = ctx.db.selectFrom("actions").selectAll();
  if (options.channel !== undefined) query = query.where("channel", "=", options.channel);
  if (options.sentSince !== undefined) {
    query = query.where("sent_at", ">=", toInstant(options.sentSince)).orderBy("sent_at", "desc");
  }
  if (options.status) {
    if (options.status.length === 0) return [];
    query = query.where("status", "in", options.status);
  }
  if (options.source !== undefined) query = query.where("source", "=", options.source);
  if (options.customerRef !== undefined) query = query.where("customer_ref", "=", options.customerRef);
  const rows = await query
    .orderBy("due_at")
    .orderBy("key")
    .limit(options.limit ?? 1000)
    .execute();
  return readActionRows(ctx.db, rows);
}

export async function actionHistory(
  ctx: StoreContext,
  source: string,
  customerRef: string,
): Promise<ActionHistoryEntry[]> {
  const rows = await ctx.db
    .selectFrom("actions")
    .select(["key", "step_id", "invoice_refs", "status", "due_at", "sent_at", "replied_at"])
    .where("source", "=", source)
    .where("customer_ref", "=", customerRef)
    .orderBy("due_at")
    .orderBy("key")
    .execute();
  return rows.map(readHistoryEntry);
}

export async function markReplied(ctx: StoreContext, key: string, at: string): Promise<void> {
  const instant = toInstant(at);
  await ctx.db
    .updateTable("actions")
    .set((eb) => ({ replied_at: eb.fn.coalesce("replied_at", eb.val(instant)), updated_at: instant }))
    .where("key", "=", key)
    .execute();
}
