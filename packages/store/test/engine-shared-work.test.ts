// Two runners (two engines, two worker ids, each with its own store connection) on one database
// with shareWork: each source's sync and the plan run under the store's leases, so running the
// schedule on both splits the work instead of doing it twice. SQLite file and PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Channel,
  type Connector,
  createEngine,
  type Engine,
  ManualClock,
  type SyncSummary,
  silentLogger,
  WORK_NAMESPACE,
} from "@regua/core";
import { createMemoryChannel, createMemoryConnector, createTestContext, openPolicy } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore, createSqliteStore, type ReguaStore } from "../src/index.js";
import { startTestPostgres, type TestPostgres } from "./support/postgres-server.js";

const SECRET = "test-secret-key-not-for-production";
const NOW = "2026-03-10T12:00:00.000Z";
const SOURCES = ["erp-a", "erp-b", "erp-c", "erp-d"] as const;
const TTL_MS = 60_000;

/** Opens one more connection ("another runner's") to the same database, migrated. */
type OpenStore = (clock: ManualClock) => Promise<ReguaStore>;

/** A source whose customer listings are counted: one listing per sync of the source. */
async function countedSource(id: string, clock: ManualClock, listings: Map<string, number>) {
  const erp = createMemoryConnector({}, { clock });
  erp.upsert("customers", {
    externalId: "c1",
    name: "Maria Silva",
    phones: ["+5511987654321"],
    country: "BR",
  });
  erp.upsert("invoices", {
    externalId: "inv-1",
    number: "NF-1",
    customerRef: "c1",
    issueDate: "2026-02-01",
    dueDate: "2026-03-10",
    total: { amountMinor: 15_000, currency: "BRL" },
    openAmount: { amountMinor: 15_000, currency: "BRL" },
    status: "open",
  });
  const inner = (await erp.definition.create({}, createTestContext({ instanceId: id, clock }))) as Connector;
  const connector: Connector = {
    capabilities: { ...inner.capabilities, payments: false },
    listCustomers(query) {
      listings.set(id, (listings.get(id) ?? 0) + 1);
      return slowly(inner.listCustomers(query));
    },
    listInvoices: (query) => inner.listInvoices(query),
    healthCheck: () => inner.healthCheck(),
    close: () => inner.close(),
  };
  return connector;
}

/** The ERP answers after a real pause, so two runners' syncs overlap (nothing asserts time). */
async function* slowly<T>(pages: AsyncIterable<T>): AsyncIterable<T> {
  for await (const page of pages) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    yield page;
  }
}

async function twoRunners(open: OpenStore) {
  const clock = new ManualClock(NOW);
  const listings = new Map<string, number>();
  const connectors = new Map<string, Connector>();
  for (const id of SOURCES) connectors.set(id, await countedSource(id, clock, listings));
  const channel = (await createMemoryChannel({ clock }).definition.create(
    {},
    createTestContext({ instanceId: "wa", clock }),
  )) as Channel;
  const stores = [await open(clock), await open(clock)] as const;
  const engine = (store: ReguaStore, workerId: string): Engine =>
    createEngine({
      store,
      connectors,
      channels: new Map([["wa", channel]]),
      policy: openPolicy({
        steps: [{ id: "d0", offsetDays: 0, channel: "wa", template: { name: "vencimento_hoje" } }],
      }),
      clock,
      log: silentLogger,
      workerId,
      shareWork: true,
      limits: { workLeaseMs: TTL_MS },
    });
  return {
    clock,
    listings,
    stores,
    a: engine(stores[0], "runner-a:1"),
    b: engine(stores[1], "runner-b:2"),
    close: () => Promise.all(stores.map((store) => store.close())),
  };
}

const synced = (summary: SyncSummary) => [...new Set(summary.entities.map((e) => e.source))].sort();

function describeSharedWork(name: string, open: () => OpenStore) {
  describe(`engine on ${name}: two runners with shareWork`, () => {
    it("sync each source exactly once between them, then plan once", async () => {
      const r = await twoRunners(open());
      try {
        const tick = r.clock.now().toISOString();
        const [a, b] = await Promise.all([r.a.sync({ since: tick }), r.b.sync({ since: tick })]);
        expect(Object.fromEntries(r.listings)).toEqual(Object.fromEntries(SOURCES.map((s) => [s, 1])));
        expect([...synced(a), ...synced(b)].sort()).toEqual([...SOURCES]);
        expect(a.skipped.sort()).toEqual(synced(b).map((s) => `sync:${s}`));
        expect(b.skipped.sort()).toEqual(synced(a).map((s) => `sync:${s}`));
        expect(a.errors + b.errors).toBe(0);

        const [pa, pb] = await Promise.all([r.a.plan(), r.b.plan()]);
        const plans = [pa, pb].filter((p) => p.skipped.length === 0);
        expect(plans).toHaveLength(1);
        expect([pa, pb].find((p) => p.skipped.length > 0)?.skipped).toEqual(["plan"]);
        expect(plans[0]?.inserted).toBe(SOURCES.length);
        expect(await r.stores[0].listActions({ limit: 100 })).toHaveLength(SOURCES.length);
      } finally {
        await r.close();
      }
    });

    it("take over a dead runner's source once its lease ran out", async () => {
      const r = await twoRunners(open());
      try {
        // runner-a died syncing erp-b: its lease is neither renewed nor released.
        const state = r.stores[0].state(WORK_NAMESPACE);
        expect(await state.acquireLease("sync:erp-b", "runner-a:1/1", TTL_MS)).toBe(true);
        const first = await r.b.sync();
        expect(first.skipped).toEqual(["sync:erp-b"]);
        expect(r.listings.get("erp-b")).toBeUndefined();

        r.clock.advance(TTL_MS - 1);
        expect((await r.b.sync()).skipped).toEqual(["sync:erp-b"]);
        r.clock.advance(1);
        const after = await r.b.sync();
        expect(after.skipped).toEqual([]);
        expect(r.listings.get("erp-b")).toBe(1);
        expect(r.listings.get("erp-a")).toBe(3);

        // The plan's lease the same way.
        expect(await state.acquireLease("plan", "runner-a:1/2", TTL_MS)).toBe(true);
        expect((await r.b.plan()).skipped).toEqual(["plan"]);
        r.clock.advance(TTL_MS);
        const plan = await r.b.plan();
        expect(plan.skipped).toEqual([]);
        expect(plan.inserted).toBe(SOURCES.length);
      } finally {
        await r.close();
      }
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), "regua-shared-work-"));
let files = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeSharedWork("a SQLite file", () => {
  const file = join(dir, `shared-${++files}.db`);
  return async (clock) => {
    const store = createSqliteStore({ file, secretKey: SECRET, clock });
    await store.migrate();
    return store;
  };
});

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
});

describeSharedWork("PostgreSQL", () => {
  let url: Promise<string> | undefined;
  return async (clock) => {
    url ??= server.createDatabase();
    const store = createPostgresStore({ connectionString: await url, poolSize: 2, secretKey: SECRET, clock });
    await store.migrate();
    return store;
  };
});
