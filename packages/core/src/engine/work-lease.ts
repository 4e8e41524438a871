import type { Clock } from "../clock.js";
import type { KeyValueState } from "../contracts.js";
import type { Logger } from "../logger.js";
import type { EngineContext } from "./context.js";

/**
 * The store's plugin-state namespace of the engine's work units (`sync:<source>`, `plan`). Plugin
 * ids cannot contain a dot, so it never meets a plugin's own state.
 */
export const WORK_NAMESPACE = "regua.work";

/** Thrown where a unit's holder finds its lease gone: it stops before writing anything more. */
export class LeaseLostError extends Error {
  override readonly name = "LeaseLostError";
}

/**
 * A unit of work this worker holds under the store's lease. There is no timer: the holder calls
 * `keep()` between steps (a page, a batch), which renews the lease once a third of its TTL went
 * by, and stops with LeaseLostError when another worker took it over. A worker that dies stops
 * renewing, and its lease runs out after the TTL.
 */
export interface HeldUnit {
  readonly key: string;
  /** When the lease was taken (this worker's clock): recorded as the unit's last start. */
  readonly startedAt: string;
  /** Renews the lease when a third of its TTL went by; throws LeaseLostError once it is lost. */
  keep(): Promise<void>;
  /** True once a renewal found another worker holding the lease. */
  lost(): boolean;
  /** Renews the lease in the store now (before a write no other holder may see twice). */
  confirm(): Promise<void>;
  /** Gives the lease back; `done` records the run as this unit's last (what `since` compares). */
  finish(done: boolean): Promise<void>;
}

export type TakeResult =
  | { taken: HeldUnit }
  /** Another worker holds the lease. */
  | { taken: null; reason: "busy" }
  /** Another worker already ran this unit at or after `since`. */
  | { taken: null; reason: "done"; lastStartedAt: string };

/** What a unit's state value holds: its last completed run. */
interface LastRun {
  startedAt: string;
  by: string;
}

/** Where units are leased, by whom, and for how long. */
export interface WorkLeaseOptions {
  /** The store's state for the units (the engine's: `store.state(WORK_NAMESPACE)`). */
  state: KeyValueState;
  clock: Clock;
  log: Logger;
  /** This process's worker id; each take's owner is `<workerId>/<n>`. */
  workerId: string;
  /** Lease TTL; `keep()` renews it once a third of it went by. */
  ttlMs: number;
}

/** The engine's units: its store's `regua.work` state, its clock, worker id and workLeaseMs. */
export function engineWork(ctx: EngineContext): WorkLeaseOptions {
  return {
    state: ctx.store.state(WORK_NAMESPACE),
    clock: ctx.clock,
    log: ctx.log,
    workerId: ctx.workerId,
    ttlMs: ctx.workLeaseMs,
  };
}

let takes = 0;

/**
 * Takes `key` under the store's lease (TTL `work.ttlMs`), or says why not. With `since`, a unit some worker started at or after that
 * instant (and completed) counts as done: released at once, reported "done".
 *
 * The owner is unique per take (`<workerId>/<n>`), so two calls in one process exclude each other
 * too (a plan of the sync job and one of the plan job, say).
 */
export async function takeUnit(
  work: WorkLeaseOptions,
  key: string,
  options: { since?: string } = {},
): Promise<TakeResult> {
  const { state, ttlMs } = work;
  takes += 1;
  const owner = `${work.workerId}/${takes}`;
  if (!(await state.acquireLease(key, owner, ttlMs))) return { taken: null, reason: "busy" };
  if (options.since !== undefined) {
    const last = await lastRun(state, key);
    if (last && last.startedAt >= options.since) {
      await state.releaseLease(key, owner);
      return { taken: null, reason: "done", lastStartedAt: last.startedAt };
    }
  }
  return { taken: holdUnit(work, key, owner) };
}

async function lastRun(state: KeyValueState, key: string): Promise<LastRun | null> {
  const value = await state.get(key);
  if (value === null) return null;
  try {
    const parsed = JSON.parse(value) as Partial<LastRun>;
    return typeof parsed.startedAt === "string" && typeof parsed.by === "string"
      ? { startedAt: parsed.startedAt, by: parsed.by }
      : null;
  } catch {
    return null;
  }
}

function holdUnit(work: WorkLeaseOptions, key: string, owner: string): HeldUnit {
  const { state, ttlMs, clock } = work;
  const startedAt = clock.now().toISOString();
  let renewedAt = clock.now().getTime();
  let lost = false;

  const renew = async (): Promise<void> => {
    if (lost) throw new LeaseLostError(`${key}: another worker took the lease over`);
    const at = clock.now().getTime();
    // Past its TTL the lease is still ours unless someone took it: the store decides.
    if (await state.acquireLease(key, owner, ttlMs)) {
      renewedAt = at;
      return;
    }
    lost = true;
    work.log.warn({ unit: key, owner }, `lost the lease on ${key} to another worker; stopping it`);
    throw new LeaseLostError(`${key}: another worker took the lease over`);
  };

  return {
    key,
    startedAt,
    async keep() {
      if (lost || clock.now().getTime() - renewedAt >= ttlMs / 3) await renew();
    },
    confirm: renew,
    lost: () => lost,
    async finish(done) {
      if (lost) return;
      try {
        // Recorded only while still ours: a holder that lost the lease leaves the record alone.
        await renew();
      } catch (error) {
        if (error instanceof LeaseLostError) return;
        throw error;
      }
      if (done) await state.set(key, JSON.stringify({ startedAt, by: owner } satisfies LastRun));
      await state.releaseLease(key, owner);
    },
  };
}
