import { existsSync, mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
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

const autocheckpoint = (database: BetterSqlite3.Database): unknown =>
  database.pragma("wal_autocheckpoint", { simple: true });

describe("WAL checkpoints in a worker thread", () => {
  it("checkpoints while writes go on: the database file takes the pages, not only the WAL", async () => {
    const database = walDatabase();
    // A fallback this high never fires here: only the worker checkpoints.
    const checkpointer = startWalCheckpointer(database, { intervalMs: 10, fallbackPages: 1_000_000 });
    expect(autocheckpoint(database)).toBe(1_000_000);
    const insert = database.prepare("insert into blobs (body) values (randomblob(2000))");
    const batch = database.transaction(() => {
      for (let row = 0; row < 20; row++) insert.run();
    });
    // 150 commits of 20 rows of 2 kB: about 6 MB through the WAL over a second or more.
    const written = 150 * 20 * 2000;
    for (let commit = 0; commit < 150; commit++) {
      batch();
      await sleep(5);
    }
    // However loaded the machine, the worker catches up: every frame of the WAL copied.
    for (let waited = 0; waited < 10_000; waited += 20) {
      const last = checkpointer?.progress.last;
      if (last && last.log > 0 && last.checkpointed === last.log) break;
      await sleep(20);
    }
    expect(checkpointer?.progress.checkpoints).toBeGreaterThan(0);
    expect(checkpointer?.progress.last?.checkpointed).toBe(checkpointer?.progress.last?.log);
    // Nothing else checkpointed (no commit reached the fallback), so the worker put it there.
    expect(statSync(database.name).size).toBeGreaterThan(written);
    await checkpointer?.stop();
    expect(checkpointer?.running).toBe(false);
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
