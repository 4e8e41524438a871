// Shared by the store benchmarks: per-phase timing of a store, and the one-line verdicts.
import type { ReguaStore } from "@regua/store";

export interface Timed {
  store: ReguaStore;
  /** Seconds spent waiting for snapshot batches (reading) since the last reset. */
  readSeconds: number;
  /** Seconds spent in insertActions since the last reset. */
  insertSeconds: number;
  reset(): void;
}

/** The store with snapshots() and insertActions() timed; everything else passes through. */
export function timedStore(store: ReguaStore): Timed {
  const timed: Timed = {
    store: Object.create(store) as ReguaStore,
    readSeconds: 0,
    insertSeconds: 0,
    reset() {
      timed.readSeconds = 0;
      timed.insertSeconds = 0;
    },
  };
  timed.store.snapshots = (options) => ({
    async *[Symbol.asyncIterator]() {
      const iterator = store.snapshots(options)[Symbol.asyncIterator]();
      for (;;) {
        const started = performance.now();
        const next = await iterator.next();
        timed.readSeconds += (performance.now() - started) / 1000;
        if (next.done) return;
        yield next.value;
      }
    },
  });
  timed.store.insertActions = async (actions, at) => {
    const started = performance.now();
    try {
      return await store.insertActions(actions, at);
    } finally {
      timed.insertSeconds += (performance.now() - started) / 1000;
    }
  };
  return timed;
}

/** `figure (goal …) ok` or `… MISSED`: one line per figure, what `pnpm bench` is read for. */
export function verdict(figure: string, goal: string, ok: boolean): void {
  console.log(`${figure} (goal ${goal}) ${ok ? "ok" : "MISSED"}`);
}
