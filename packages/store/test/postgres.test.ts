import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore, createStore, type ReguaStore } from "../src/index.js";
import { arrayLiteral } from "../src/pg-array.js";
import { action } from "./fixtures.js";
import { describeStoreSuite } from "./suite.js";
import { startTestPostgres, type TestPostgres } from "./support/postgres-server.js";

const SECRET = "test-secret-key-not-for-production";
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeStoreSuite("PostgreSQL", async (options = { secretKey: SECRET }) => {
  const store = createPostgresStore({
    connectionString: await server.createDatabase(),
    poolSize: 4,
    ...options,
  });
  await store.migrate();
  return store;
});

/** Due before the claims these tests make at 01:00. */
const plannedAction = (key: string) => action(key, { dueAt: "2026-03-10T00:00:00Z" });

describe("PostgreSQL specifics", () => {
  it("reads back every value of an array literal as written: quotes, backslashes, braces, NULL", async () => {
    // Without a NULL, quote or backslash the literal takes its short path; the list below, its long one.
    const plain = ["", "NULL", "a,b", "{x}", " spaced ", "ção ✓", "plain", 7];
    const values = [
      '{"a":"b\\"}',
      "back\\slash",
      "",
      "NULL",
      "a,b",
      "{x}",
      " spaced ",
      "ção ✓",
      null,
      "plain",
    ];
    const client = new pg.Client({ connectionString: await server.createDatabase() });
    await client.connect();
    try {
      for (const list of [values, plain]) {
        const result = await client.query<{ value: string | null }>("select unnest($1::text[]) as value", [
          arrayLiteral(list),
        ]);
        expect(result.rows.map((row) => row.value)).toEqual(list.map((v) => (v === null ? v : String(v))));
      }
      expect(arrayLiteral(plain)).toBe('{"","NULL","a,b","{x}"," spaced ","ção ✓","plain","7"}');
    } finally {
      await client.end();
    }
  });

  it("survives the server closing its idle connections: a warning, then a fresh connection", async () => {
    const url = await server.createDatabase();
    const store = createPostgresStore({ connectionString: url, poolSize: 2 });
    await store.migrate();
    expect(await store.listActions({})).toEqual([]);
    // Ours among whatever else warns meanwhile (pg's own deprecation notices).
    const warned = new Promise<Error>((resolve) => {
      const onWarning = (warning: Error) => {
        if (!warning.message.includes("closed while idle")) return;
        process.off("warning", onWarning);
        resolve(warning);
      };
      process.on("warning", onWarning);
    });
    // What a server restart does to the pool's idle connections.
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()",
      );
    } finally {
      await admin.end();
    }
    expect((await warned).message).toContain("closed while idle");
    expect(await store.listActions({})).toEqual([]);
    await store.close();
  });

  it("two processes' stores migrate together, then never claim the same due action", async () => {
    const url = await server.createDatabase();
    const stores: ReguaStore[] = [
      createPostgresStore({ connectionString: url, poolSize: 5 }),
      createStore({ postgres: url }, { poolSize: 5 }),
    ];
    try {
      await Promise.all(stores.map((store) => store.migrate()));
      const keys = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(3, "0")}`);
      expect(await stores[0]!.insertActions(keys.map(plannedAction), "2026-03-10T00:00:00Z")).toBe(300);
      // Eight workers per store, each claiming in small batches until nothing is left.
      const worker = async (store: ReguaStore, workerId: string) => {
        const mine: string[] = [];
        for (;;) {
          const rows = await store.claimDueActions({
            now: "2026-03-10T01:00:00Z",
            limit: 7,
            workerId,
            leaseMs: 60_000,
          });
          if (rows.length === 0) return mine;
          mine.push(...rows.map((row) => row.key));
        }
      };
      const results = await Promise.all(
        stores.flatMap((store, s) => Array.from({ length: 8 }, (_, w) => worker(store, `s${s}w${w}`))),
      );
      const claimed = results.flat();
      expect(claimed).toHaveLength(300);
      expect(new Set(claimed).size).toBe(300);
      // Both stores took part (SKIP LOCKED let them work side by side).
      expect(results.slice(0, 8).flat().length).toBeGreaterThan(0);
      expect(results.slice(8).flat().length).toBeGreaterThan(0);
      const rows = await stores[1]!.listActions({ status: ["claimed"], limit: 1000 });
      expect(rows).toHaveLength(300);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });

  it("keeps state encrypted at rest and the audit log append-only", async () => {
    const url = await server.createDatabase();
    const store = createPostgresStore({ connectionString: url, secretKey: SECRET });
    await store.migrate();
    await store.state("qbo").set("refresh_token", "AB11-very-secret-token");
    await store.appendAudit({
      at: "2026-03-10T00:00:00Z",
      actor: "engine",
      action: "x",
      subject: "s",
      detail: {},
    });
    await store.close();

    const raw = new pg.Client({ connectionString: url });
    await raw.connect();
    try {
      const { rows } = await raw.query<{ value: string }>("select value from kv_state");
      expect(rows[0]?.value).toMatch(/^v1:/);
      expect(rows[0]?.value).not.toContain("very-secret");
      await expect(raw.query("update audit_log set actor = 'mallory'")).rejects.toThrow(/append-only/);
      await expect(raw.query("delete from audit_log")).rejects.toThrow(/append-only/);
    } finally {
      await raw.end();
    }
  });
});
