import type { Logger } from "../logger.js";
import type { ActionOutcome, DunningStore } from "../store-port.js";

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
