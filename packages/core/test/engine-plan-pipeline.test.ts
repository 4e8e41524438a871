import { describe, expect, it, vi } from "vitest";
import type { PlannedAction } from "../src/actions.js";
import { customer, harness, invoice } from "./support/harness.js";

/** Three customers with one overdue invoice each, streamed one per batch; events say what ran when. */
async function threeBatches() {
  const h = harness();
  for (const id of ["C1", "C2", "C3"]) {
    h.connector.put("customers", customer(id, { phones: [`+55119876500${id.slice(1)}1`] }));
    h.connector.put("invoices", invoice(`I${id}`, id));
  }
  await h.engine.sync();
  const events: string[] = [];
  const snapshots = h.store.snapshots.bind(h.store);
  vi.spyOn(h.store, "snapshots").mockImplementation(async function* (options) {
    for await (const batch of snapshots({ ...options, batchSize: 1 })) {
      events.push(`read ${batch.map((snapshot) => snapshot.customer.externalId).join()}`);
      yield batch;
    }
  });
  const finishPlan = vi.spyOn(h.store, "finishPlan");
  return { h, events, finishPlan };
}

const refsOf = (actions: readonly PlannedAction[]) => [...new Set(actions.map((a) => a.customerRef))].join();

/** A few event-loop turns: an insert that takes a while, as a server's does. */
async function someTurns(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe("engine.plan inserts beside the next batch", () => {
  it("reads and plans batch N+1 while batch N's insert runs, never two inserts at once", async () => {
    const { h, events, finishPlan } = await threeBatches();
    const insert = h.store.insertActions.bind(h.store);
    let inFlight = 0;
    let most = 0;
    vi.spyOn(h.store, "insertActions").mockImplementation(async (actions, at) => {
      most = Math.max(most, ++inFlight);
      events.push(`insert ${refsOf(actions)}`);
      await someTurns();
      const inserted = await insert(actions, at);
      events.push(`inserted ${refsOf(actions)}`);
      inFlight -= 1;
      return inserted;
    });
    const summary = await h.engine.plan();
    expect(events).toEqual([
      "read C1",
      "insert C1",
      "read C2",
      "inserted C1",
      "insert C2",
      "read C3",
      "inserted C2",
      "insert C3",
      "inserted C3",
    ]);
    expect(most).toBe(1);
    expect(summary).toMatchObject({ customers: 3, actions: 3, inserted: 3 });
    expect(h.store.actions.size).toBe(3);
    expect(finishPlan).toHaveBeenCalledTimes(1);
  });

  it("stops with a failed insert's error: no later batch is inserted and the plan is not finished", async () => {
    const { h, events, finishPlan } = await threeBatches();
    const insert = h.store.insertActions.bind(h.store);
    vi.spyOn(h.store, "insertActions").mockImplementation(async (actions, at) => {
      events.push(`insert ${refsOf(actions)}`);
      await someTurns();
      // As a store's transaction does: a failed insert writes none of its batch.
      if (refsOf(actions) === "C2") throw new Error("connection lost");
      return insert(actions, at);
    });
    await expect(h.engine.plan()).rejects.toThrow("connection lost");
    expect(events).not.toContain("insert C3");
    expect([...h.store.actions.values()].map((action) => action.customerRef)).toEqual(["C1"]);
    expect(finishPlan).not.toHaveBeenCalled();

    // The next plan plans everyone again and inserts what the failed one did not.
    vi.mocked(h.store.insertActions).mockRestore();
    expect((await h.engine.plan()).inserted).toBe(2);
    expect(h.store.actions.size).toBe(3);
  });

  it("a read that fails while an insert runs reports the read's error after the insert settled", async () => {
    const { h, events, finishPlan } = await threeBatches();
    const insert = h.store.insertActions.bind(h.store);
    vi.spyOn(h.store, "insertActions").mockImplementation(async (actions, at) => {
      await someTurns();
      const inserted = await insert(actions, at);
      events.push(`inserted ${refsOf(actions)}`);
      return inserted;
    });
    const snapshots = vi.mocked(h.store.snapshots).getMockImplementation();
    vi.mocked(h.store.snapshots).mockImplementation(async function* (options) {
      for await (const batch of snapshots?.(options) ?? []) {
        yield batch;
        throw new Error("snapshot query failed");
      }
    });
    await expect(h.engine.plan().finally(() => events.push("plan settled"))).rejects.toThrow(
      "snapshot query failed",
    );
    expect(events).toEqual(["read C1", "inserted C1", "plan settled"]);
    expect(finishPlan).not.toHaveBeenCalled();
  });
});
