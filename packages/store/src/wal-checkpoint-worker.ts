/**
 * The WAL checkpointer's thread (wal-checkpointer.ts): its own connection to the store's file,
 * a PASSIVE checkpoint every `intervalMs`, each one's progress posted back. PASSIVE waits for no
 * reader or writer: the main connection keeps committing while frames are copied and synced.
 * https://www.sqlite.org/pragma.html#pragma_wal_checkpoint
 */
import { parentPort, workerData } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";

interface CheckpointerData {
  file: string;
  intervalMs: number;
}

/** One row: busy (1 when a lock stopped it short), log (frames in the WAL), checkpointed. */
interface CheckpointRow {
  busy: number;
  log: number;
  checkpointed: number;
}

const { file, intervalMs } = workerData as CheckpointerData;
const port = parentPort;
if (port === null) throw new Error("wal-checkpoint-worker runs as a worker thread only");
const database = new BetterSqlite3(file, { fileMustExist: true });

function checkpoint(): void {
  const [row] = database.pragma("wal_checkpoint(PASSIVE)") as CheckpointRow[];
  if (row !== undefined && row.log > 0) port?.postMessage(row);
}

const timer = setInterval(checkpoint, intervalMs);
port.on("message", (message: unknown) => {
  if (message !== "stop") return;
  clearInterval(timer);
  database.close();
  port.close();
});
