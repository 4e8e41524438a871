import { Worker } from "node:worker_threads";
import type BetterSqlite3 from "better-sqlite3";

/** SQLite's own default: a commit that takes the WAL past this many pages checkpoints it. */
const SQLITE_AUTOCHECKPOINT_PAGES = 1000;

export interface WalCheckpointerOptions {
  /** How often the worker runs a PASSIVE checkpoint. */
  intervalMs: number;
  /**
   * The bound: should the worker fall behind (or die), a commit that takes the WAL past this
   * many pages checkpoints on the main connection, as every 1,000 pages did before.
   */
  fallbackPages: number;
}

export interface WalCheckpointer {
  /**
   * PASSIVE checkpoints run while the WAL held frames, and the last one's figures: frames in the
   * WAL (`log`) and how many of them are in the database file (`checkpointed`).
   */
  readonly progress: { checkpoints: number; last: { log: number; checkpointed: number } | null };
  /** False once the worker has exited (stopped, or failed and replaced by SQLite's own). */
  readonly running: boolean;
  /** Stops the worker and waits for its thread to end; its connection is closed first. */
  stop(): Promise<void>;
}

/**
 * WAL checkpoints off the event loop (issue 10). SQLite's auto-checkpoint runs inside whichever
 * commit takes the WAL past 1,000 pages: it copies the WAL into the database file and fsyncs it
 * in that commit, on the main thread, where every send in flight waits for it (commits of up to
 * 17 ms in the dispatch benchmark). Here a worker thread with its own connection to the file
 * checkpoints every `intervalMs` instead, and the main connection's auto-checkpoint is raised to
 * `fallbackPages` so the WAL stays bounded if the worker cannot keep up. A worker that fails
 * hands checkpoints back to SQLite's default on the main connection.
 *
 * Several connections to one WAL file are what SQLite's WAL mode is for; a checkpoint cannot
 * starve here because the main connection holds no long read transaction.
 * https://www.sqlite.org/wal.html#ckpt
 * https://github.com/WiseLibs/better-sqlite3/blob/master/docs/performance.md
 */
export function startWalCheckpointer(
  database: BetterSqlite3.Database,
  options: WalCheckpointerOptions,
): WalCheckpointer | null {
  if (database.memory) return null;
  database.pragma(`wal_autocheckpoint = ${Math.trunc(options.fallbackPages)}`);
  const worker = new Worker(workerScript(), {
    workerData: { file: database.name, intervalMs: options.intervalMs },
  });
  // An open store must not keep the process alive by its checkpoints alone.
  worker.unref();
  const state: { running: boolean; stopping: boolean } = { running: true, stopping: false };
  const progress: WalCheckpointer["progress"] = { checkpoints: 0, last: null };
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  worker.on("message", (row: { log: number; checkpointed: number }) => {
    progress.checkpoints += 1;
    progress.last = { log: row.log, checkpointed: row.checkpointed };
  });
  const handBack = (): void => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${SQLITE_AUTOCHECKPOINT_PAGES}`);
  };
  worker.on("error", (error) => {
    handBack();
    process.emitWarning(
      `régua store: the WAL checkpoint worker failed (${error.message}); SQLite checkpoints on the main thread again`,
    );
  });
  void exited.then(() => {
    state.running = false;
    if (!state.stopping) handBack();
  });
  return {
    progress,
    get running() {
      return state.running;
    },
    async stop() {
      state.stopping = true;
      if (state.running) {
        // Unreferenced, the worker would let the process exit while close() waits for it.
        worker.ref();
        worker.postMessage("stop");
      }
      await exited;
    },
  };
}

/**
 * The worker's file beside this one: the compiled .js in dist, or the .ts source when the tests
 * run the sources (Node strips its types).
 */
function workerScript(): URL {
  const extension = import.meta.url.endsWith(".ts") ? "ts" : "js";
  return new URL(`./wal-checkpoint-worker.${extension}`, import.meta.url);
}
