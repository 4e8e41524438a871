// Shared by the store benchmarks: per-phase timing of a store, and the one-line verdicts.
import type { ReguaStore } from "@regua/store";

export interface Timed {
  store: ReguaStore;
  /** Seconds spent waiting for snapshot batches (reading) since the last reset. */
  readSeconds: number;
  /**
   * Seconds an insertActions call ran while the caller was not waiting for a batch, since the
   * last reset. The engine plans the next batch while an insert runs (core's plan loop), so this
   * is the insert's time beside planning plus the waits for it, and wall − read − insert is the
   * planning no insert ran beside.
   */
  insertSeconds: number;
  reset(): void;
}

/** The store with snapshots() and insertActions() timed; everything else passes through. */
export function timedStore(store: ReguaStore): Timed {
  let reading = false;
  let inserting = 0;
  let since = performance.now();
  /** Adds the time since the last change of state to the phase it was in. */
  const advance = () => {
    const now = performance.now();
    const seconds = (now - since) / 1000;
    since = now;
    if (reading) timed.readSeconds += seconds;
    else if (inserting > 0) timed.insertSeconds += seconds;
  };
  const timed: Timed = {
    store: Object.create(store) as ReguaStore,
    readSeconds: 0,
    insertSeconds: 0,
    reset() {
      timed.readSeconds = 0;
      timed.insertSeconds = 0;
      since = performance.now();
    },
  };
  timed.store.snapshots = (options) => ({
    async *[Symbol.asyncIterator]() {
      const iterator = store.snapshots(options)[Symbol.asyncIterator]();
      for (;;) {
        advance();
        reading = true;
        const next = await iterator.next().finally(() => {
          advance();
          reading = false;
        });
        if (next.done) return;
        yield next.value;
      }
    },
  });
  timed.store.insertActions = async (actions, at) => {
    advance();
    inserting += 1;
    try {
      return await store.insertActions(actions, at);
    } finally {
      advance();
      inserting -= 1;
    }
  };
  return timed;
}

/** `figure (goal …) ok` or `… MISSED`: one line per figure, what `pnpm bench` is read for. */
export function verdict(figure: string, goal: string, ok: boolean): void {
  console.log(`${figure} (goal ${goal}) ${ok ? "ok" : "MISSED"}`);
}
