import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createSqliteStore, createStore } from "../src/index.js";
import { invoicePlanBackfill } from "../src/migration-plan-changes.js";
import { action, collect, customer, invoice } from "./fixtures.js";
import { describeStoreSuite } from "./suite.js";

const SECRET = "test-secret-key-not-for-production";

describeStoreSuite("SQLite", async (options = { secretKey: SECRET }) => {
  const store = createSqliteStore({ file: ":memory:", ...options });
  await store.migrate();
  return store;
});

describe("SQLite file specifics", () => {
  const dir = mkdtempSync(join(tmpdir(), "regua-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("0302 backfills the invoice number and installments columns from records written before it", async () => {
    const file = join(dir, "backfill.db");
    const store = createStore({ sqlite: file }, { secretKey: SECRET });
    await store.migrate();
    const brl = (amountMinor: number) => ({ amountMinor, currency: "BRL" });
    const installments = [
      { number: 1, dueDate: "2026-02-10", amount: brl(5000), openAmount: brl(5000), status: "open" as const },
    ];
    await store.commitPage({
      source: "erp",
      entity: "invoices",
      customers: [customer("C1")],
      invoices: [
        invoice("I1", "C1", { source: "erp", number: "NF-1", installments }),
        invoice("I2", "C1", { source: "erp", number: "NF-2" }),
        invoice("I3", "C1", { source: "erp", number: "NF-3", installments: [] }),
      ],
      cursor: null,
      at: "2026-03-01T00:00:00.000Z",
    });
    const now = "2026-03-10T12:00:00.000Z";
    const before = (await collect(store.snapshots({ now }))).flat();
    await store.close();
    // As a database migrated before 0302 holds them: columns empty, the values in the record.
    const raw = new BetterSqlite3(file);
    raw.exec("update invoices set number = null, installments = null");
    raw.exec(invoicePlanBackfill("sqlite"));
    const rows = raw.prepare("select external_id, number, installments from invoices order by 1").all();
    raw.close();
    expect(rows).toEqual([
      { external_id: "I1", number: "NF-1", installments: JSON.stringify(installments) },
      { external_id: "I2", number: "NF-2", installments: null },
      { external_id: "I3", number: "NF-3", installments: null },
    ]);
    const reopened = createStore({ sqlite: file }, { secretKey: SECRET });
    expect((await collect(reopened.snapshots({ now }))).flat()).toEqual(before);
    await reopened.close();
  });

  it("uses WAL and keeps state encrypted at rest", async () => {
    const file = join(dir, "state.db");
    const store = createStore({ sqlite: file }, { secretKey: SECRET });
    await store.migrate();
    await store.state("qbo").set("refresh_token", "AB11-very-secret-token");
    await store.close();

    const raw = new BetterSqlite3(file, { readonly: true });
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    const row = raw.prepare("select value from kv_state where namespace = 'qbo'").get() as { value: string };
    raw.close();
    expect(row.value).not.toContain("very-secret");
    expect(row.value).toMatch(/^v1:/);

    const wrongKey = createSqliteStore({ file, secretKey: "another-key" });
    await expect(wrongKey.state("qbo").get("refresh_token")).rejects.toThrow(/does not decrypt/);
    await wrongKey.close();
    const again = createSqliteStore({ file, secretKey: SECRET });
    expect(await again.state("qbo").get("refresh_token")).toBe("AB11-very-secret-token");
    await again.close();
  });

  it("refuses to update or delete the audit log", async () => {
    const file = join(dir, "audit.db");
    const store = createSqliteStore({ file });
    await store.migrate();
    await store.appendAudit({
      at: "2026-03-10T00:00:00Z",
      actor: "engine",
      action: "x",
      subject: "s",
      detail: {},
    });
    await store.close();
    const raw = new BetterSqlite3(file);
    expect(() => raw.prepare("update audit_log set actor = 'mallory'").run()).toThrow(/append-only/);
    expect(() => raw.prepare("delete from audit_log").run()).toThrow(/append-only/);
    raw.close();
  });

  it("several processes migrate one file together and never claim the same action", async () => {
    const file = join(dir, "shared.db");
    const run = (mode: string, id: string) => runWorker(file, mode, id);
    expect(await Promise.all([run("migrate", "m1"), run("migrate", "m2"), run("migrate", "m3")])).toEqual([
      [],
      [],
      [],
    ]);

    const store = createSqliteStore({ file });
    const actions = Array.from({ length: 120 }, (_, i) => plannedAction(`k${String(i).padStart(3, "0")}`));
    expect(await store.insertActions(actions, "2026-03-10T00:00:00Z")).toBe(120);
    await store.close();
    const claims = await Promise.all([run("claim", "w1"), run("claim", "w2"), run("claim", "w3")]);
    const keys = claims.flat();
    expect(keys).toHaveLength(120);
    expect(new Set(keys).size).toBe(120);
  });

  it("two stores in one process claim without sharing an action", async () => {
    const file = join(dir, "in-process.db");
    const a = createSqliteStore({ file });
    const b = createSqliteStore({ file });
    await a.migrate();
    await b.migrate();
    await a.insertActions(
      Array.from({ length: 50 }, (_, i) => plannedAction(`k${i}`)),
      "2026-03-10T00:00:00Z",
    );
    const claim = (store: typeof a, workerId: string) =>
      store.claimDueActions({ now: "2026-03-10T01:00:00Z", limit: 7, workerId, leaseMs: 60_000 });
    const rounds = await Promise.all([claim(a, "a"), claim(b, "b"), claim(a, "a2"), claim(b, "b2")]);
    const keys = rounds.flat().map((row) => row.key);
    expect(keys).toHaveLength(28);
    expect(new Set(keys).size).toBe(28);
    await a.close();
    await b.close();
  });
});

/** Due before the claims these tests make at 01:00. */
const plannedAction = (key: string) => action(key, { dueAt: "2026-03-10T00:00:00Z" });

function runWorker(file: string, mode: string, workerId: string): Promise<string[]> {
  const script = fileURLToPath(new URL("./support/sqlite-worker.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, file, mode, workerId], (error, stdout, stderr) => {
      if (error) reject(new Error(`${workerId} failed: ${stderr || error.message}`));
      else resolve(z.array(z.string()).parse(JSON.parse(stdout)));
    });
  });
}
