// Two engines (two workers) on one store with shareWork: each source's sync and the plan run
// under the store's leases, so the work is split rather than done twice.
import { describe, expect, it, vi } from "vitest";
import { ManualClock } from "../src/clock.js";
import type { KeyValueState } from "../src/contracts.js";
import { createEngine, type Engine, LeaseLostError, takeUnit, WORK_NAMESPACE } from "../src/engine/index.js";
import { MemoryKeyValueState } from "../src/kv-memory.js";
import { Customer, Invoice } from "../src/model.js";
import { recordingLogger } from "./support/clocks-and-logs.js";
import { FakeChannel } from "./support/fake-channel.js";
import { FakeConnector } from "./support/fake-connector.js";
import { CHANNEL, START, testPolicy } from "./support/harness.js";
import { MemoryStore } from "./support/memory-store.js";

const SOURCES = ["s1", "s2", "s3"] as const;
const TTL_MS = 60_000;

/** MemoryStore whose plugin state expires leases by the test's clock. */
class ClockedStore extends MemoryStore {
  private readonly states = new Map<string, KeyValueState>();
  constructor(private readonly clock: ManualClock) {
    super();
  }
  override state(namespace: string): KeyValueState {
    let state = this.states.get(namespace);
    if (!state) {
      state = new MemoryKeyValueState(this.clock);
      this.states.set(namespace, state);
    }
    return state;
  }
}

function cluster() {
  const clock = new ManualClock(START);
  const store = new ClockedStore(clock);
  const log = recordingLogger();
  const connectors = new Map(SOURCES.map((id) => [id, new FakeConnector()]));
  for (const [source, connector] of connectors) {
    connector.put(
      "customers",
      Customer.parse({ source, externalId: "C1", name: "Ana", phones: ["+5511987650000"] }),
    );
    connector.put(
      "invoices",
      Invoice.parse({
        source,
        externalId: "I1",
        number: "NF-1",
        customerRef: "C1",
        issueDate: "2026-02-01",
        dueDate: "2026-03-01",
        total: { amountMinor: 10_000, currency: "BRL" },
        openAmount: { amountMinor: 10_000, currency: "BRL" },
        status: "open",
      }),
    );
  }
  const make = (workerId: string): Engine =>
    createEngine({
      store,
      connectors,
      channels: new Map([[CHANNEL, new FakeChannel()]]),
      policy: testPolicy(),
      clock,
      log,
      workerId,
      shareWork: true,
      limits: { workLeaseMs: TTL_MS },
    });
  /** Listings of customers per source: one per sync of that source. */
  const syncs = () =>
    Object.fromEntries(
      [...connectors].map(([id, c]) => [id, c.listings.filter((l) => l.entity === "customers").length]),
    );
  return { clock, store, log, connectors, syncs, a: make("runner-a"), b: make("runner-b") };
}

const syncedSources = (summary: { entities: { source: string }[] }) =>
  [...new Set(summary.entities.map((e) => e.source))].sort();

describe("engine with shareWork: several workers on one store", () => {
  it("syncs each source once when two workers sync at once, and says which it left", async () => {
    const c = cluster();
    const tick = c.clock.now().toISOString();
    const [a, b] = await Promise.all([c.a.sync({ since: tick }), c.b.sync({ since: tick })]);
    expect(c.syncs()).toEqual({ s1: 1, s2: 1, s3: 1 });
    const ranA = syncedSources(a);
    const ranB = syncedSources(b);
    expect([...ranA, ...ranB].sort()).toEqual([...SOURCES]);
    expect(a.skipped.sort()).toEqual(ranB.map((s) => `sync:${s}`));
    expect(b.skipped.sort()).toEqual(ranA.map((s) => `sync:${s}`));
    const skips = c.log.lines.filter((l) => l.level === "debug" && /sync:s\d skipped/.test(l.msg));
    expect(skips).toHaveLength(SOURCES.length);
  });

  it("does not sync again what another worker synced since the same tick; the next tick syncs", async () => {
    const c = cluster();
    const tick = c.clock.now().toISOString();
    await c.a.sync({ since: tick });
    c.clock.advance(5_000);
    const late = await c.b.sync({ since: tick });
    expect(late.entities).toEqual([]);
    expect(late.skipped).toEqual(["sync:s1", "sync:s2", "sync:s3"]);
    expect(c.syncs()).toEqual({ s1: 1, s2: 1, s3: 1 });

    const next = await c.b.sync({ since: c.clock.now().toISOString() });
    expect(next.skipped).toEqual([]);
    expect(c.syncs()).toEqual({ s1: 2, s2: 2, s3: 2 });
    // Without `since` (a manual `regua sync`) only a source being synced right now is skipped.
    expect((await c.a.sync()).skipped).toEqual([]);
    expect(c.syncs()).toEqual({ s1: 3, s2: 3, s3: 3 });
  });

  it("plans once when two workers plan at once; the other reports the plan skipped", async () => {
    const c = cluster();
    await c.a.sync();
    const [a, b] = await Promise.all([c.a.plan(), c.b.plan()]);
    const [ran, skipped] = a.skipped.length === 0 ? [a, b] : [b, a];
    expect(skipped.skipped).toEqual(["plan"]);
    expect(skipped.customers).toBe(0);
    expect(ran.skipped).toEqual([]);
    expect(ran.inserted).toBe(3);
    expect(c.store.actions.size).toBe(3);
  });

  it("takes over a dead worker's source once its lease ran out", async () => {
    const c = cluster();
    // runner-x died holding s2's lease: it never renews or releases it.
    const dead = c.store.state(WORK_NAMESPACE);
    expect(await dead.acquireLease("sync:s2", "runner-x/1", TTL_MS)).toBe(true);
    const first = await c.b.sync();
    expect(first.skipped).toEqual(["sync:s2"]);
    expect(c.syncs()).toEqual({ s1: 1, s2: 0, s3: 1 });

    c.clock.advance(TTL_MS - 1);
    expect((await c.b.sync()).skipped).toEqual(["sync:s2"]);
    c.clock.advance(1);
    const later = await c.b.sync();
    expect(later.skipped).toEqual([]);
    expect(c.syncs()).toEqual({ s1: 3, s2: 1, s3: 3 });
  });

  it("a sync that stalled past its lease stops at its next page and leaves the source to the new holder", async () => {
    const c = cluster();
    const s1 = c.connectors.get("s1");
    s1?.put("customers", Customer.parse({ source: "s1", externalId: "C2", name: "Bia", phones: [] }));
    const commit = c.store.commitPage.bind(c.store);
    let pages = 0;
    c.store.commitPage = async (page) => {
      pages += 1;
      if (pages === 1) {
        c.clock.advance(TTL_MS);
        expect(await c.store.state(WORK_NAMESPACE).acquireLease("sync:s1", "runner-x/1", TTL_MS)).toBe(true);
      }
      return commit(page);
    };
    const summary = await c.a.sync({ source: "s1", since: c.clock.now().toISOString() });
    expect(summary.entities).toHaveLength(1);
    expect(summary.entities[0]?.error).toMatch(/LeaseLostError: sync:s1: another worker took the lease over/);
    expect(pages).toBe(1);
    // Not recorded as this tick's sync: runner-x's lease stands and the unit stays to be done.
    expect(await c.store.state(WORK_NAMESPACE).get("sync:s1")).toBeNull();
    expect(await c.store.state(WORK_NAMESPACE).acquireLease("sync:s1", "runner-y/1", TTL_MS)).toBe(false);
  });

  it("a plan that stalled past its lease while another took over leaves the marks alone", async () => {
    const c = cluster();
    await c.a.sync();
    const finishPlan = vi.spyOn(c.store, "finishPlan");
    const insert = c.store.insertActions.bind(c.store);
    c.store.insertActions = async (actions, at) => {
      // runner-a stalls here a whole TTL; runner-x finds the lease expired and takes the plan.
      c.clock.advance(TTL_MS);
      expect(await c.store.state(WORK_NAMESPACE).acquireLease("plan", "runner-x/1", TTL_MS)).toBe(true);
      return insert(actions, at);
    };
    await expect(c.a.plan()).rejects.toBeInstanceOf(LeaseLostError);
    expect(finishPlan).not.toHaveBeenCalled();
  });

  it("a plan waits for another worker's plan with waitMs, then plans what is left", async () => {
    const c = cluster();
    await c.a.sync();
    const held = c.store.state(WORK_NAMESPACE);
    await held.acquireLease("plan", "runner-x/1", TTL_MS);
    const waiting = c.b.plan({ waitMs: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    await held.releaseLease("plan", "runner-x/1");
    c.clock.advance(1_000);
    const summary = await waiting;
    expect(summary.skipped).toEqual([]);
    expect(summary.inserted).toBe(3);
  });
});

describe("takeUnit", () => {
  const work = (state: KeyValueState, clock: ManualClock, workerId: string) => ({
    state,
    clock,
    log: recordingLogger(),
    workerId,
    ttlMs: TTL_MS,
  });

  it("renews between steps, and a holder that stalled past its TTL stops once another took over", async () => {
    const clock = new ManualClock(START);
    const state = new MemoryKeyValueState(clock);
    const first = await takeUnit(work(state, clock, "a"), "sync:s1");
    if (!first.taken) throw new Error("not taken");
    // Steps under a third of the TTL apart keep it without renewing; past it, keep() renews.
    clock.advance(TTL_MS / 2);
    await first.taken.keep();
    clock.advance(TTL_MS / 2 + 1);
    expect((await takeUnit(work(state, clock, "b"), "sync:s1")).taken).toBeNull();

    // Stalled a whole TTL: b takes it; a's next step finds out and stops, recording nothing.
    clock.advance(TTL_MS);
    const second = await takeUnit(work(state, clock, "b"), "sync:s1");
    expect(second.taken).not.toBeNull();
    await expect(first.taken.keep()).rejects.toBeInstanceOf(LeaseLostError);
    expect(first.taken.lost()).toBe(true);
    await first.taken.finish(true);
    expect(await state.get("sync:s1")).toBeNull();
    await second.taken?.finish(true);
    expect(JSON.parse((await state.get("sync:s1")) ?? "{}")).toMatchObject({
      startedAt: clock.now().toISOString(),
    });
  });
});
