import type { Clock } from "../clock.js";
import type { Logger } from "../logger.js";
import type { ActionOutcome, ActionPatch, DunningStore } from "../store-port.js";

/**
 * At most this many outcomes share one transaction: it bounds how long one commit holds
 * SQLite's write lock (or a group's row locks on PostgreSQL) while the other sends wait.
 */
export const MAX_OUTCOMES_PER_COMMIT = 64;

interface Waiting {
  outcome: ActionOutcome;
  resolve(moved: boolean): void;
  reject(error: unknown): void;
}

/**
 * Group commit of the engine's outcomes (issue 10). A transaction per message cost SQLite a
 * BEGIN IMMEDIATE and a COMMIT each, the COMMIT being the dearest statement of a send; at
 * 1,000 msg/s that was most of the store's time. Outcomes asked for in the same event-loop turn
 * (the sends the dispatcher has in flight answer together under load) are written in one
 * `commitOutcomes` transaction, flushed on `setImmediate`: after the turn's pending I/O, never on
 * a timer, so an outcome alone waits for nothing and goes through `commitOutcome` as before.
 *
 * Each caller awaits its own answer. When the group's transaction fails, nothing of it was
 * written (DunningStore.commitOutcomes is all or nothing), so each outcome is committed again on
 * its own: one outcome that cannot be written fails only its caller, and an error of the store
 * itself (the database gone) reaches every caller through its own retry. Either way each caller
 * gets a definite answer, and one that matches what the store holds.
 */
export class OutcomeCommitter {
  private waiting: Waiting[] = [];

  constructor(
    private readonly store: Pick<DunningStore, "commitOutcome" | "commitOutcomes">,
    private readonly log: Logger,
    private readonly maxPerCommit = MAX_OUTCOMES_PER_COMMIT,
  ) {}

  /** Resolves to whether the outcome moved its row (DunningStore.commitOutcome). */
  commit(outcome: ActionOutcome): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => this.flush());
      this.waiting.push({ outcome, resolve, reject });
    });
  }

  private flush(): void {
    const waiting = this.waiting;
    this.waiting = [];
    for (let start = 0; start < waiting.length; start += this.maxPerCommit) {
      void this.commitGroup(waiting.slice(start, start + this.maxPerCommit));
    }
  }

  private async commitGroup(group: readonly Waiting[]): Promise<void> {
    const [only] = group;
    if (only !== undefined && group.length === 1) return this.commitAlone(only);
    let moved: boolean[];
    try {
      moved = await this.store.commitOutcomes(group.map((waiting) => waiting.outcome));
    } catch (error) {
      this.log.warn(
        { outcomes: group.length, error: error instanceof Error ? error.message : String(error) },
        "group commit of outcomes failed; committing them one by one",
      );
      await Promise.all(group.map((waiting) => this.commitAlone(waiting)));
      return;
    }
    for (const [index, waiting] of group.entries()) waiting.resolve(moved[index] === true);
  }

  private async commitAlone(waiting: Waiting): Promise<void> {
    try {
      waiting.resolve(await this.store.commitOutcome(waiting.outcome));
    } catch (error) {
      waiting.reject(error);
    }
  }
}

/**
 * The moves to `sending` asked for in one event-loop turn (deliver.ts starts them on a grid ahead
 * of the sends' rate slots, so a channel's next few slots move together), made in one
 * compare-and-set statement: a SQLite WAL commit or a PostgreSQL round trip per message was the
 * dearest part of a send after the HTTP request. Kept apart from the outcomes' group commit on
 * purpose: a send waits for this statement before its request, so it never waits behind a
 * transaction of outcomes. Flushed on `setImmediate`, never on a timer.
 */
export class SendingMoves {
  private waiting: { key: string; resolve(moved: boolean): void; reject(error: unknown): void }[] = [];

  constructor(
    private readonly store: Pick<DunningStore, "transitionActions">,
    private readonly clock: Clock,
    private readonly workerId: string,
    private readonly leaseMs: number,
  ) {}

  /** Moves `key` from `claimed` to `sending` while this worker's claim holds; false when it did not. */
  move(key: string): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      if (this.waiting.length === 0) setImmediate(() => void this.flush());
      this.waiting.push({ key, resolve, reject });
    });
  }

  private async flush(): Promise<void> {
    const waiting = this.waiting;
    this.waiting = [];
    try {
      const keys = waiting.map((w) => w.key);
      const now = this.clock.now().getTime();
      // Only while this worker's claim holds (after an expiry another worker may own the row);
      // the lease is renewed for the send.
      const patch: ActionPatch = {
        at: new Date(now).toISOString(),
        claimedUntil: new Date(now + this.leaseMs).toISOString(),
        leaseHolder: this.workerId,
      };
      const moved = new Set(await this.store.transitionActions(keys, ["claimed"], "sending", patch));
      for (const w of waiting) w.resolve(moved.has(w.key));
    } catch (error) {
      for (const w of waiting) w.reject(error);
    }
  }
}
