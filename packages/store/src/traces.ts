import { createHash } from "node:crypto";
import type { ActionRow, PlannedAction, TraceEntry } from "@regua/core";
import type { Selectable } from "kysely";
import { readActionRow } from "./codec.js";
import type { ActionsTable, Db } from "./schema.js";

/**
 * Action traces ("which rule fired, which were skipped and why") are stored once per distinct
 * content in `action_traces`, keyed by a hash, and actions point at them. The planner emits the
 * same trace for every invoice at the same step and due date: stored inline, traces were most of
 * an action row (≈600 of ≈900 bytes) and a third of the time to insert a plan.
 */
const ROWS_PER_STATEMENT = 500;

export type TraceHashes = (trace: readonly TraceEntry[]) => string;

interface TraceNode {
  next: Map<TraceEntry, TraceNode>;
  hash: string | undefined;
}

/**
 * Stores the distinct traces of these actions; returns the hash of each (by array identity).
 * plan() shares frozen trace entries between actions (core's SharedParts) but builds a new array
 * per action: distinct traces are found by walking the entries' identities (a trie of Maps), so
 * each distinct sequence is serialised and hashed once instead of once per action.
 */
export async function storeTraces(trx: Db, actions: readonly PlannedAction[]): Promise<TraceHashes> {
  const byIdentity = new Map<readonly TraceEntry[], string>();
  const byHash = new Map<string, string>();
  const byJson = new Map<string, string>();
  const root: TraceNode = { next: new Map(), hash: undefined };
  for (const action of actions) {
    if (byIdentity.has(action.trace)) continue;
    let node = root;
    for (const entry of action.trace) {
      let child = node.next.get(entry);
      if (child === undefined) {
        child = { next: new Map(), hash: undefined };
        node.next.set(entry, child);
      }
      node = child;
    }
    if (node.hash === undefined) {
      const json = JSON.stringify(action.trace);
      let hash = byJson.get(json);
      if (hash === undefined) {
        hash = createHash("sha256").update(json).digest("base64url");
        byJson.set(json, hash);
        byHash.set(hash, json);
      }
      node.hash = hash;
    }
    byIdentity.set(action.trace, node.hash);
  }
  const rows = [...byHash].map(([hash, trace]) => ({ hash, trace }));
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await trx
      .insertInto("action_traces")
      .values(rows.slice(i, i + ROWS_PER_STATEMENT))
      .onConflict((oc) => oc.column("hash").doNothing())
      .execute();
  }
  return (trace) => {
    const hash = byIdentity.get(trace);
    if (hash === undefined) throw new Error("storeTraces: trace of an action not in the stored set");
    return hash;
  };
}

/** Maps action rows to ActionRow, fetching their traces with one query. */
export async function readActionRows(
  db: Db,
  rows: readonly Selectable<ActionsTable>[],
): Promise<ActionRow[]> {
  if (rows.length === 0) return [];
  const hashes = [...new Set(rows.map((row) => row.trace_hash))];
  const traces = new Map<string, string>();
  for (let i = 0; i < hashes.length; i += ROWS_PER_STATEMENT) {
    const found = await db
      .selectFrom("action_traces")
      .select(["hash", "trace"])
      .where("hash", "in", hashes.slice(i, i + ROWS_PER_STATEMENT))
      .execute();
    for (const row of found) traces.set(row.hash, row.trace);
  }
  return rows.map((row) => readActionRow(row, traces.get(row.trace_hash) ?? "null"));
}
