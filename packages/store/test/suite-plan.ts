import {
  createEngine,
  ManualClock,
  parsePolicy,
  planEpoch,
  SAMPLE_POLICY_YAML,
  silentLogger,
} from "@regua/core";
import { expect, it } from "vitest";
import type { ReguaStore } from "../src/index.js";
import { customer, invoice, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

// 10:00 in São Paulo on a Tuesday: inside the sample policy's send window.
const NOW = "2026-03-10T13:00:00.000Z";
const LATER = "2026-03-10T15:00:00.000Z";
const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");

function engineOn(store: ReguaStore, now: string) {
  return createEngine({
    store,
    connectors: new Map(),
    channels: new Map(),
    policy,
    clock: new ManualClock(now),
    log: silentLogger,
    workerId: "plan-test",
  });
}

/** Twelve customers, two overdue invoices each (the sample caps messages at one a day). */
async function seed(store: ReguaStore): Promise<void> {
  const ids = Array.from({ length: 12 }, (_, i) => `C${String(i + 1).padStart(2, "0")}`);
  await store.commitPage({
    source: SOURCE,
    entity: "invoices",
    customers: ids.map((id) => customer(id)),
    invoices: ids.flatMap((id) => [
      invoice(`${id}-a`, id, { dueDate: "2026-03-07" }),
      invoice(`${id}-b`, id, { dueDate: "2026-03-03" }),
    ]),
    cursor: null,
    at: NOW,
  });
}

/** What a day brings between two plans: a payment, a new customer, an opt-out, a failure… */
async function change(store: ReguaStore): Promise<void> {
  const paid = invoice("C01-b", "C01", { dueDate: "2026-03-03", status: "paid" });
  await store.commitPage({
    source: SOURCE,
    entity: "invoices",
    customers: [customer("C13")],
    invoices: [paid, invoice("C13-a", "C13", { dueDate: "2026-03-07" })],
    cursor: "2",
    at: LATER,
  });
  // As the engine's sync does for a paid invoice: its open actions are skipped.
  await store.skipOpenActions({
    source: SOURCE,
    customerRef: "C01",
    invoiceRef: "C01-b",
    reason: "paid",
    at: LATER,
  });
  await store.setOptOut({
    phone: customer("C03").phones[0]!,
    source: null,
    customerRef: null,
    reason: "SAIR",
    at: LATER,
  });
  await store.setPause({
    source: SOURCE,
    customerRef: "C05",
    until: "2026-03-20T00:00:00.000Z",
    reason: "promise",
    at: LATER,
  });
  const [failed] = await store.listActions({ source: SOURCE, customerRef: "C06" });
  await store.transitionAction(failed!.key, ["planned"], "failed", { at: LATER, statusReason: "131026" });
  const [replied] = await store.listActions({ source: SOURCE, customerRef: "C07" });
  await store.markReplied(replied!.key, LATER);
}

async function actions(store: ReguaStore) {
  const rows = await store.listActions({ limit: 1_000 });
  return rows.map((row) => `${row.key} ${row.status}`).sort();
}

export function planTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("re-plans only the changed customers and gives the same actions as a full plan", async () => {
    const other = await factory();
    try {
      for (const s of [store(), other]) {
        await seed(s);
        const first = await engineOn(s, NOW).plan();
        expect(first).toMatchObject({ incremental: false, customers: 12, inserted: 12 });
        await change(s);
      }
      const incremental = await engineOn(store(), LATER).plan();
      const full = await engineOn(other, LATER).plan({ full: true });
      expect(full.incremental).toBe(false);
      expect(incremental.incremental).toBe(true);
      // C01 (paid), C03 (opted out), C05 (paused), C06 (failed), C07 (replied), C13 (new).
      expect(incremental.customers).toBe(6);
      expect(full.customers).toBe(13);
      // The changes do plan new actions: C01's and C06's capped invoice, C13's first message.
      expect(full.inserted).toBe(3);
      expect(incremental.inserted).toBe(full.inserted);
      expect(await actions(store())).toEqual(await actions(other));

      // Nothing changed since: an incremental plan reads nobody and inserts nothing.
      const again = await engineOn(store(), LATER).plan();
      expect(again).toMatchObject({ incremental: true, customers: 0, inserted: 0 });
    } finally {
      await other.close();
    }
  });

  it("stops at a batch whose insert fails, leaving none of it; the next plan makes up the difference", async () => {
    const other = await factory();
    try {
      for (const s of [store(), other]) {
        await seed(s);
        await engineOn(s, NOW).plan();
        await change(s);
      }
      // Batches of two customers; the second batch with actions carries one the table refuses
      // (no step id), after its valid one: its transaction must take the valid one back with it.
      const failing = Object.create(store()) as ReguaStore;
      failing.snapshots = (options) => store().snapshots({ ...options, batchSize: 2 });
      let inserts = 0;
      const before = (await actions(store())).length;
      failing.insertActions = async (planned, at) => {
        inserts += 1;
        if (inserts !== 2) return store().insertActions(planned, at);
        const broken = {
          ...planned[0]!,
          key: `${planned[0]!.key}-broken`,
          stepId: null as unknown as string,
        };
        return store().insertActions([...planned, broken], at);
      };
      await expect(engineOn(failing, LATER).plan()).rejects.toThrow();
      expect(inserts).toBe(2);
      // C01's batch went in; C06's (the failed one) and C13's (after it) did not.
      const after = await actions(store());
      expect(after).toHaveLength(before + 1);
      expect(after.join("\n")).not.toContain("broken");

      const next = await engineOn(store(), LATER).plan();
      expect(next).toMatchObject({ incremental: true, customers: 6, inserted: 2 });
      await engineOn(other, LATER).plan({ full: true });
      expect(await actions(store())).toEqual(await actions(other));
    } finally {
      await other.close();
    }
  });

  it("plans everyone when the epoch moved on (another day) or the policy changed", async () => {
    await seed(store());
    await engineOn(store(), NOW).plan();
    const nextDay = await engineOn(store(), "2026-03-11T13:00:00.000Z").plan();
    expect(nextDay).toMatchObject({ incremental: false, customers: 12 });
    const sameDay = await engineOn(store(), "2026-03-11T14:00:00.000Z").plan();
    expect(sameDay.incremental).toBe(true);
  });

  it("keeps a change made while a full plan runs for the next plan", async () => {
    await seed(store());
    await engineOn(store(), NOW).plan();
    const epoch = planEpoch(policy, new Date(LATER));
    expect(await store().beginPlan({ epoch, now: LATER, full: true })).toEqual({ incremental: false });
    // C02 pays an invoice after the full plan read it, before the plan finishes.
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("C02-b", "C02", { dueDate: "2026-03-03", status: "paid" })],
      cursor: "2",
      at: LATER,
    });
    await store().finishPlan({ epoch, at: LATER });
    const next = await engineOn(store(), LATER).plan();
    expect(next).toMatchObject({ incremental: true, customers: 1 });
  });

  it("follows a full plan that stopped half-way with a full plan, as the marks it cleared are gone", async () => {
    await seed(store());
    await engineOn(store(), NOW).plan();
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("C01-b", "C01", { dueDate: "2026-03-03", status: "paid" })],
      cursor: "2",
      at: LATER,
    });
    // A forced full plan that never finishes (the process died after taking the marks).
    const epoch = planEpoch(policy, new Date(LATER));
    await store().beginPlan({ epoch, now: LATER, full: true });
    const next = await engineOn(store(), LATER).plan();
    expect(next).toMatchObject({ incremental: false, customers: 12 });
    // And once that one finished, plans of the epoch are incremental again.
    expect(await engineOn(store(), LATER).plan()).toMatchObject({ incremental: true, customers: 0 });
  });

  it("re-plans a customer whose pause ran out since the last plan", async () => {
    await seed(store());
    await store().setPause({
      source: SOURCE,
      customerRef: "C02",
      until: "2026-03-10T14:00:00.000Z",
      reason: "promise",
      at: NOW,
    });
    const paused = await engineOn(store(), NOW).plan();
    expect(paused.inserted).toBe(11);
    const after = await engineOn(store(), LATER).plan();
    expect(after).toMatchObject({ incremental: true, customers: 1, inserted: 1 });
  });
}

export function rateTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("hands two runners disjoint send slots that never beat the shared rate", async () => {
    // 80 msg/s, bursts of 8, blocks of 4 slots, two runners asking in turns and at once.
    const options = { key: "channel:wa", perSecond: 80, burst: 8, count: 4 };
    const slots: number[] = [];
    for (let round = 0; round < 25; round++) {
      const nowMs = 1_000_000 + round * 20;
      const blocks = await Promise.all([
        store().reserveRate({ ...options, nowMs }),
        store().reserveRate({ ...options, nowMs }),
      ]);
      for (const { firstMs } of blocks) for (let i = 0; i < 4; i++) slots.push(firstMs + i * 12.5);
    }
    slots.sort((a, b) => a - b);
    expect(new Set(slots).size).toBe(200);
    // Any window of T ms holds at most burst + T·rate slots: here consecutive slots 12.5 ms apart.
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeCloseTo(12.5, 6);
    // The first 8 (the burst) may go at once: the schedule starts 7 slots before the first call.
    expect(slots[0]).toBeCloseTo(1_000_000 - 7 * 12.5, 6);
    // After idling, a runner gets the burst again, not the slots it missed.
    const later = await store().reserveRate({ ...options, nowMs: 2_000_000 });
    expect(later.firstMs).toBeCloseTo(2_000_000 - 7 * 12.5, 6);
  });
}
