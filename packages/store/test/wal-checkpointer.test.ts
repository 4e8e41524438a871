import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createSqliteStore } from "../src/index.js";
import { startWalCheckpointer } from "../src/wal-checkpointer.js";
import { action } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "regua-wal-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function walDatabase(): BetterSqlite3.Database {
  const database = new BetterSqlite3(join(dir, `wal-${files++}.db`));
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.exec("create table blobs (id integer primary key, body blob not null)");
  return database;
}

const walBytes = (database: BetterSqlite3.Database): number => statSync(`${database.name}-wal`).size;
const autocheckpoint = (database: BetterSqlite3.Database): unknown =>
  database.pragma("wal_autocheckpoint", { simple: true });

describe("WAL checkpoints in a worker thread", () => {
  it("checkpoints while writes go on, and the WAL restarts instead of growing", async () => {
    const database = walDatabase();
    // A fallback this high never fires here: only the worker checkpoints.
    const checkpointer = startWalCheckpointer(database, { intervalMs: 10, fallbackPages: 1_000_000 });
    if (checkpointer === null) throw new Error("no checkpointer for a file database");
    expect(autocheckpoint(database)).toBe(1_000_000);
    const insert = database.prepare("insert into blobs (body) values (randomblob(2000))");
    let written = 0;
    let lastLog = 0;
    for (let round = 0; round < 10; round++) {
      // Each round writes more than the one before, so a report of this round's WAL (restarted
      // or not) holds more frames than any report of an earlier round.
      const rows = 20 + 8 * round;
      database.transaction(() => {
        for (let row = 0; row < rows; row++) insert.run();
      })();
      written += rows * 2000;
      await vi.waitFor(
        () => {
          const last = checkpointer.progress.last;
          expect(last?.log).toBeGreaterThan(lastLog);
          expect(last?.checkpointed).toBe(last?.log);
        },
        { timeout: 10_000, interval: 5 },
      );
      lastLog = checkpointer.progress.last?.log ?? 0;
    }
    // Nothing else checkpointed (no commit reached the fallback): the worker put the pages in
    // the database file, and the next commit wrote over what it had copied, from the WAL's start.
    expect(statSync(database.name).size).toBeGreaterThan(written);
    expect(walBytes(database)).toBeLessThan(written / 2);
    await checkpointer.stop();
    expect(checkpointer.running).toBe(false);
    database.close();
  });

  it("hands checkpoints back to SQLite on the main connection when the worker fails", async () => {
    const database = walDatabase();
    const warned = new Promise<Error>((resolve) => process.once("warning", resolve));
    const checkpointer = startWalCheckpointer(database, { intervalMs: 10, fallbackPages: 10_000 });
    // Gone before the worker opens it (this connection keeps its handle): the worker cannot start.
    unlinkSync(database.name);
    expect(String((await warned).message)).toContain("WAL checkpoint worker failed");
    await checkpointer?.stop();
    expect(checkpointer?.running).toBe(false);
    expect(autocheckpoint(database)).toBe(1000);
    database.close();
  });

  it("starts nothing for an in-memory database", () => {
    const database = new BetterSqlite3(":memory:");
    expect(startWalCheckpointer(database, { intervalMs: 10, fallbackPages: 10_000 })).toBeNull();
    database.close();
  });

  it("a store closed and reopened sees every write, and close ends the worker's connection", async () => {
    const file = join(dir, "store.db");
    const store = createSqliteStore({ file, checkpointIntervalMs: 10 });
    await store.migrate();
    for (let batch = 0; batch < 30; batch++) {
      const actions = Array.from({ length: 100 }, (_, i) => action(`k${batch}-${i}`));
      await store.insertActions(actions, "2026-03-10T00:00:00.000Z");
      await sleep(5);
    }
    await store.close();
    // SQLite removes the WAL when its last connection closes: the worker's had closed too.
    expect(existsSync(`${file}-wal`)).toBe(false);
    const reopened = createSqliteStore({ file });
    expect(await reopened.listActions({ limit: 5000 })).toHaveLength(3000);
    await reopened.close();
  });
});
