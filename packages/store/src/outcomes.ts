import type { ActionOutcome, ActionPatch, ActionStatus, StoreReport } from "@regua/core";
import { sql, type Updateable, type UpdateQueryBuilder, type UpdateResult } from "kysely";
import { z } from "zod";
import { toInstant, toInstantOrNull, toNumber, UnknownResolutionSchema } from "./codec.js";
import { inList } from "./in-list.js";
import { commitOutcomesPostgres } from "./outcomes-postgres.js";
import { commitOutcomesSqlite } from "./outcomes-sqlite.js";
import type { ActionsTable, Database, Db, StoreContext } from "./schema.js";

type ActionsUpdate = UpdateQueryBuilder<Database, "actions", "actions", UpdateResult>;

import { writeTransaction } from "./tx.js";

/**
 * The transactional outbox (issue 18): an action's outcome, the activities it owes the ERP and
 * its audit entries commit together. Before, "sent" and its activity were two commits and a
 * kill between them left a sent action that the ERP never heard of.
 */
export async function commitOutcome(ctx: StoreContext, outcome: ActionOutcome): Promise<boolean> {
  if (outcome.from.length === 0) return false;
  return (await commitOutcomes(ctx, [outcome]))[0] === true;
}

/**
 * Group commit (issue 10): the outcomes of several sends in one transaction, all or nothing. Each
 * outcome is still its own compare-and-set, answered on its own; its activities (once per key)
 * and audit entries are written only when it moved.
 *
 * PostgreSQL writes a group set-based, one statement for all of it (outcomes-postgres.ts): there
 * every statement is a round trip to a server process. SQLite runs each outcome's statements,
 * prepared once, in one IMMEDIATE transaction on the driver (outcomes-sqlite.ts): they are calls
 * into the same process, and its costs were the commit and building the queries.
 */
export async function commitOutcomes(
  ctx: StoreContext,
  outcomes: readonly ActionOutcome[],
): Promise<boolean[]> {
  if (outcomes.every((outcome) => outcome.from.length === 0)) return outcomes.map(() => false);
  if (ctx.sqlite) return commitOutcomesSqlite(ctx, ctx.sqlite, outcomes);
  return commitOutcomesPostgres(ctx, outcomes);
}

/** Compare-and-set on status; the patch's columns only. Shared by transitionAction. */
export async function transitionIn(
  db: Db,
  key: string,
  from: readonly ActionStatus[],
  to: ActionStatus,
  patch: ActionPatch,
): Promise<boolean> {
  if (from.length === 0) return false;
  const result = await compareAndSet(db, from, to, patch).where("key", "=", key).executeTakeFirst();
  return toNumber(result.numUpdatedRows) > 0;
}

/**
 * The same compare-and-set on several rows in one statement; returns the keys it moved. The keys
 * are one bound list (`inList`): a turn's group has any size, and a list of that many parameters
 * would be a new statement text, prepared afresh, for every size.
 */
export async function transitionManyIn(
  ctx: StoreContext,
  keys: readonly string[],
  from: readonly ActionStatus[],
  to: ActionStatus,
  patch: ActionPatch,
): Promise<string[]> {
  if (from.length === 0 || keys.length === 0) return [];
  const rows = await compareAndSet(ctx.db, from, to, patch)
    .where(inList(ctx.dialect, "key", [...new Set(keys)]))
    .returning("key")
    .execute();
  return rows.map((row) => row.key);
}

function compareAndSet(db: Db, from: readonly ActionStatus[], to: ActionStatus, patch: ActionPatch) {
  const set: Updateable<ActionsTable> = { status: to, updated_at: toInstant(patch.at) };
  if (patch.providerMessageId !== undefined) set.provider_message_id = patch.providerMessageId;
  if (patch.statusReason !== undefined) set.status_reason = patch.statusReason;
  if (patch.sentAt !== undefined) set.sent_at = toInstant(patch.sentAt);
  if (patch.dueAt !== undefined) set.due_at = toInstant(patch.dueAt);
  if (patch.reconciled !== undefined) set.reconciled = patch.reconciled;
  if (patch.claimedUntil !== undefined) {
    set.claimed_until = toInstantOrNull(patch.claimedUntil);
    if (patch.claimedUntil === null) set.claimed_by = null;
  }
  let update = db
    .updateTable("actions")
    .set((eb) => (patch.incrementAttempts ? { ...set, attempts: eb("attempts", "+", 1) } : set))
    .where("status", "in", [...from]);
  if (patch.leaseHolder !== undefined) {
    update = update
      .where("claimed_by", "=", patch.leaseHolder)
      .where("claimed_until", ">", toInstant(patch.at));
  }
  return update;
}

/**
 * A restarted runner's dead predecessor (same instance id): its claims are released now rather
 * than after the lease. `sending` rows become `unknown` (the request may have left), and the
 * unknown reconciler settles them.
 */
export async function recoverClaimsOf(
  ctx: StoreContext,
  options: { workerIds: readonly string[]; now: string },
): Promise<{ released: number; unknown: number }> {
  if (options.workerIds.length === 0) return { released: 0, unknown: 0 };
  const now = toInstant(options.now);
  const workers = [...options.workerIds];
  return writeTransaction(ctx, async (trx) => {
    const recovered = await recoverActions(
      trx,
      now,
      { workers },
      "the worker died while sending; reconcile from status webhooks",
    );
    await trx
      .updateTable("activities")
      .set({ status: "pending", claimed_by: null, claimed_until: null, updated_at: now })
      .where("status", "=", "claimed")
      .where("claimed_by", "in", workers)
      .execute();
    return recovered;
  });
}

type Owners = { expiredBefore: string } | { workers: string[] };

/**
 * Claims that lost their owner (a lease past its end, or a worker known dead): `claimed` rows
 * back to `planned`, `sending` rows to `unknown` (the request may have left).
 */
export async function recoverActions(
  trx: Db,
  now: string,
  owners: Owners,
  reason: string,
): Promise<{ released: number; unknown: number }> {
  const updates = recoveryUpdates(trx, now, owners, reason);
  const released = await updates.released.executeTakeFirst();
  const unknown = await updates.unknown.executeTakeFirst();
  return { released: toNumber(released.numUpdatedRows), unknown: toNumber(unknown.numUpdatedRows) };
}

/**
 * recoverActions as one PostgreSQL statement, atomic without a transaction: the two UPDATEs as
 * data-modifying CTEs (they touch disjoint rows, `claimed` and `sending`). It runs before every
 * dispatch's first send, where BEGIN and COMMIT were two round trips of the start-up's eleven.
 */
export async function recoverActionsAtOnce(
  db: Db,
  now: string,
  owners: Owners,
  reason: string,
): Promise<{ released: number; unknown: number }> {
  const updates = recoveryUpdates(db, now, owners, reason);
  const row = await db
    .with("released", () => updates.released.returning("key"))
    .with("unknown", () => updates.unknown.returning("key"))
    .selectNoFrom((eb) => [
      eb.selectFrom("released").select(eb.fn.countAll().as("count")).as("released"),
      eb.selectFrom("unknown").select(eb.fn.countAll().as("count")).as("unknown"),
    ])
    .executeTakeFirstOrThrow();
  return { released: toNumber(row.released), unknown: toNumber(row.unknown) };
}

function recoveryUpdates(
  db: Db,
  now: string,
  owners: Owners,
  reason: string,
): { released: ActionsUpdate; unknown: ActionsUpdate } {
  const ofOwners = (query: ActionsUpdate): ActionsUpdate =>
    "workers" in owners
      ? query.where("claimed_by", "in", owners.workers)
      : query.where("claimed_until", "<", owners.expiredBefore);
  return {
    released: ofOwners(
      db
        .updateTable("actions")
        .set({ status: "planned", claimed_by: null, claimed_until: null, updated_at: now })
        .where("status", "=", "claimed"),
    ),
    unknown: ofOwners(
      db
        .updateTable("actions")
        .set({
          status: "unknown",
          status_reason: reason,
          claimed_by: null,
          claimed_until: null,
          updated_at: now,
        })
        .where("status", "=", "sending"),
    ),
  };
}

export async function claimHolders(ctx: StoreContext): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom("actions")
    .select("claimed_by as worker")
    .where("claimed_by", "is not", null)
    .where("status", "in", ["claimed", "sending"])
    .union(
      ctx.db
        .selectFrom("activities")
        .select("claimed_by as worker")
        .where("claimed_by", "is not", null)
        .where("status", "=", "claimed"),
    )
    .execute();
  return rows.flatMap((row) => (row.worker === null ? [] : [row.worker])).sort();
}

/** Unknown sends by how they were settled (StoreReport.unknowns). */
export async function unknownsReport(ctx: StoreContext): Promise<StoreReport["unknowns"]> {
  const resolution = sql<string>`case when status = 'unknown' and (reconciled is null or reconciled = 'resent') then 'waiting' else reconciled end`;
  const rows = await ctx.db
    .selectFrom("actions")
    .select((eb) => [resolution.as("resolution"), eb.fn.countAll().as("count")])
    .where((eb) => eb.or([eb("status", "=", "unknown"), eb("reconciled", "is not", null)]))
    .groupBy(resolution)
    .orderBy("resolution")
    .execute();
  const Resolution = UnknownResolutionSchema.or(z.literal("waiting"));
  return rows.map((row) => ({ resolution: Resolution.parse(row.resolution), count: toNumber(row.count) }));
}
