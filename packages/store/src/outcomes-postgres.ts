import type { ActionOutcome, ActionPatch } from "@regua/core";
import { type RawBuilder, sql } from "kysely";
import { toInstant } from "./codec.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

/**
 * Outcomes on PostgreSQL (issue 10): a group of outcomes is ONE statement. Written one by one,
 * an outcome cost a compare-and-set, an activity INSERT and an audit INSERT, each a round trip
 * and a parse and plan on a server that shares the machine's cores with the runner; with BEGIN
 * and COMMIT a group of n cost 3n + 2 of them. Now the compare-and-sets of outcomes of the same
 * shape are one `UPDATE … FROM unnest(…)`, and their activities and audit entries are inserted
 * by data-modifying CTEs of the same statement, for the rows that statement moved only:
 * https://www.postgresql.org/docs/current/queries-with.html#QUERIES-WITH-MODIFYING
 *
 * The answers are those of DunningStore.commitOutcomes: each outcome its own compare-and-set
 * (a row of the unnest, joined on its key), activities once per key (the first moved outcome's,
 * `distinct on`, then ON CONFLICT DO NOTHING), audit only for moved outcomes and in their order.
 * A statement is atomic on its own. One statement cannot move a row twice, so an outcome whose
 * key came earlier in the group starts a second statement, and only then is there a transaction.
 */
export async function commitOutcomesPostgres(
  ctx: StoreContext,
  outcomes: readonly ActionOutcome[],
): Promise<boolean[]> {
  const runs = segments(outcomes);
  const statements = runs.map((run) =>
    outcomeStatement(run.map((index) => outcomes[index] as ActionOutcome)),
  );
  const [only] = statements;
  if (only === undefined) return outcomes.map(() => false);
  const movedByRun =
    statements.length === 1
      ? [await only.run(ctx.db)]
      : await writeTransaction(ctx, async (trx) => {
          const moved: Set<string>[] = [];
          for (const statement of statements) moved.push(await statement.run(trx));
          return moved;
        });
  const answers = outcomes.map(() => false);
  for (const [runIndex, run] of runs.entries()) {
    const moved = movedByRun[runIndex] as Set<string>;
    for (const index of run) answers[index] = moved.has((outcomes[index] as ActionOutcome).key);
  }
  return answers;
}

/**
 * The group's outcomes (their indexes) in runs in which no key repeats, in order; the engine's
 * groups are one run. An outcome that moves nothing (`from` empty) is in none.
 */
function segments(outcomes: readonly ActionOutcome[]): number[][] {
  const runs: number[][] = [];
  let keys = new Set<string>();
  let run: number[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.from.length === 0) continue;
    if (keys.has(outcome.key)) {
      runs.push(run);
      run = [];
      keys = new Set();
    }
    keys.add(outcome.key);
    run.push(index);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

interface OutcomeStatement {
  /** The keys it moved. */
  run(db: Db): Promise<Set<string>>;
}

/**
 * One run's statement. Everything is serialised here, before any of it reaches the server: a
 * value JSON cannot write (a BigInt in an audit detail) throws before the first statement.
 */
function outcomeStatement(run: readonly ActionOutcome[]): OutcomeStatement {
  const moves = [...groupByShape(run).values()].map(
    (group, index) => sql`${sql.ref(`moved_${index}`)} as (${compareAndSetMany(group)})`,
  );
  const movedKeys = sql.join(
    moves.map((_, index) => sql`select key from ${sql.ref(`moved_${index}`)}`),
    sql` union all `,
  );
  const query = sql<{ key: string }>`with ${sql.join(moves)},
    moved as (${movedKeys}),
    written_activities as (${insertActivities(run)}),
    written_audit as (${appendAudit(run)})
    select key from moved`;
  return {
    async run(db) {
      const { rows } = await query.execute(db);
      return new Set(rows.map((row) => row.key));
    },
  };
}

/** What makes two compare-and-sets one statement: the same WHERE and the same SET columns. */
function shapeOf({ from, to, patch }: ActionOutcome): string {
  const present = PATCH_COLUMNS.filter((column) => column.value(patch) !== undefined).map((c) => c.column);
  return JSON.stringify([
    from,
    to,
    present,
    patch.claimedUntil === null,
    patch.incrementAttempts === true,
    patch.leaseHolder !== undefined,
  ]);
}

function groupByShape(run: readonly ActionOutcome[]): Map<string, ActionOutcome[]> {
  const shapes = new Map<string, ActionOutcome[]>();
  for (const outcome of run) {
    const shape = shapeOf(outcome);
    const group = shapes.get(shape);
    if (group) group.push(outcome);
    else shapes.set(shape, [outcome]);
  }
  return shapes;
}

/** The patch's optional columns that take a value of their own per row (see compareAndSet). */
const PATCH_COLUMNS: readonly { column: string; value(patch: ActionPatch): string | null | undefined }[] = [
  { column: "provider_message_id", value: (patch) => patch.providerMessageId },
  { column: "status_reason", value: (patch) => patch.statusReason },
  { column: "sent_at", value: (patch) => (patch.sentAt === undefined ? undefined : toInstant(patch.sentAt)) },
  { column: "due_at", value: (patch) => (patch.dueAt === undefined ? undefined : toInstant(patch.dueAt)) },
  { column: "reconciled", value: (patch) => patch.reconciled },
  {
    column: "claimed_until",
    value: (patch) => (typeof patch.claimedUntil === "string" ? toInstant(patch.claimedUntil) : undefined),
  },
];

/**
 * outcomes.ts's compareAndSet for a group of one shape: the same SET and WHERE, with each row's
 * values from its own element of the unnest'ed arrays.
 */
function compareAndSetMany(group: readonly ActionOutcome[]): RawBuilder<unknown> {
  const [first] = group as [ActionOutcome, ...ActionOutcome[]];
  const { patch } = first;
  const columns = PATCH_COLUMNS.filter((column) => column.value(patch) !== undefined);
  const values: { name: string; array: (string | null)[] }[] = [
    { name: "key", array: group.map((outcome) => outcome.key) },
    { name: "at", array: group.map((outcome) => toInstant(outcome.patch.at)) },
    ...columns.map(({ column, value }) => ({
      name: column,
      array: group.map((outcome) => value(outcome.patch) ?? null),
    })),
  ];
  if (patch.leaseHolder !== undefined)
    values.push({ name: "lease_holder", array: group.map((outcome) => outcome.patch.leaseHolder ?? null) });
  const set = [
    sql`status = ${first.to}`,
    sql`updated_at = v.at`,
    ...columns.map(({ column }) => sql`${sql.ref(column)} = ${sql.ref(`v.${column}`)}`),
  ];
  if (patch.claimedUntil === null) set.push(sql`claimed_until = null`, sql`claimed_by = null`);
  if (patch.incrementAttempts) set.push(sql`attempts = a.attempts + 1`);
  const lease =
    patch.leaseHolder === undefined
      ? sql``
      : sql` and a.claimed_by = v.lease_holder and a.claimed_until > v.at`;
  return sql`update actions as a set ${sql.join(set)}
    from ${unnest(values)}
    where a.key = v.key and a.status in (${sql.join(first.from)})${lease}
    returning a.key`;
}

/** `unnest($1::text[], …) as v(name, …)`: a table of rows from one text array per column. */
function unnest(values: readonly { name: string; array: (string | null)[] }[]): RawBuilder<unknown> {
  const arrays = sql.join(values.map(({ array }) => sql`${array}::text[]`));
  const names = sql.join(values.map(({ name }) => sql.ref(name)));
  return sql`unnest(${arrays}) as v(${names})`;
}

/** activities.ts's insertActivity for the moved outcomes: once per key, the first moved outcome's. */
function insertActivities(run: readonly ActionOutcome[]): RawBuilder<unknown> {
  const rows = run.flatMap((outcome) =>
    (outcome.activities ?? []).map((activity) => ({
      outcome: outcome.key,
      key: activity.key,
      source: activity.source,
      record: JSON.stringify(activity),
      at: toInstant(outcome.patch.at),
    })),
  );
  const table = sql`unnest(
      ${rows.map((row) => row.outcome)}::text[], ${rows.map((row) => row.key)}::text[],
      ${rows.map((row) => row.source)}::text[], ${rows.map((row) => row.record)}::text[],
      ${rows.map((row) => row.at)}::text[]
    ) with ordinality as w(outcome, key, source, record, at, n)`;
  return sql`insert into activities
      (key, source, record, status, attempts, next_attempt_at, created_at, updated_at)
    select distinct on (w.key) w.key, w.source, w.record, 'pending', 0, w.at, w.at, w.at
    from ${table}
    where w.outcome in (select key from moved)
    order by w.key, w.n
    on conflict (key) do nothing`;
}

/** events.ts's appendAuditIn for the moved outcomes, in the group's order (audit_log.id). */
function appendAudit(run: readonly ActionOutcome[]): RawBuilder<unknown> {
  const rows = run.flatMap((outcome) =>
    (outcome.audit ?? []).map((entry) => ({
      outcome: outcome.key,
      at: toInstant(entry.at),
      actor: entry.actor,
      action: entry.action,
      subject: entry.subject,
      detail: JSON.stringify(entry.detail),
    })),
  );
  const table = sql`unnest(
      ${rows.map((row) => row.outcome)}::text[], ${rows.map((row) => row.at)}::text[],
      ${rows.map((row) => row.actor)}::text[], ${rows.map((row) => row.action)}::text[],
      ${rows.map((row) => row.subject)}::text[], ${rows.map((row) => row.detail)}::text[]
    ) with ordinality as e(outcome, at, actor, action, subject, detail, n)`;
  return sql`insert into audit_log (at, actor, action, subject, detail)
    select e.at, e.actor, e.action, e.subject, e.detail
    from ${table}
    where e.outcome in (select key from moved)
    order by e.n`;
}
