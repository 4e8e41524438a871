import type { CustomerSnapshot } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, collect, customer, invoice, payment, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LATER = "2026-03-10T15:00:00.000Z";
const EPOCH = "batches-test";

/** Thirty customers, C01…C30: two unpaid invoices and one paid each, a planned action each. */
const REFS = Array.from({ length: 30 }, (_, i) => `C${String(i + 1).padStart(2, "0")}`);

/** What the planner reads of a snapshot, comparable across two reads of the same customer. */
function planned(snapshot: CustomerSnapshot) {
  return {
    ref: snapshot.customer.externalId,
    invoices: snapshot.invoices.map((i) => `${i.externalId} ${i.status} ${i.dueDate}`),
    history: snapshot.history.map((h) => h.key),
    paidCount: snapshot.payments.paidCount,
  };
}

export function snapshotBatchTests(factory: StoreFactory): void {
  const store = useStore(factory);

  async function seed(): Promise<void> {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [...REFS.map((ref) => customer(ref)), customer("C99-no-invoices")],
      invoices: REFS.flatMap((ref) => [
        invoice(`${ref}-a`, ref, { dueDate: "2026-03-07" }),
        invoice(`${ref}-b`, ref, { dueDate: "2026-03-03" }),
        invoice(`${ref}-p`, ref, { status: "paid", dueDate: "2026-02-01" }),
      ]),
      cursor: null,
      at: AT,
    });
    await store().commitPage({
      source: SOURCE,
      entity: "payments",
      payments: REFS.map((ref) => payment(`P-${ref}`, `${ref}-p`, "2026-02-03")),
      cursor: null,
      at: AT,
    });
    await store().insertActions(
      REFS.map((ref) => action(`k-${ref}`, { customerRef: ref, invoiceRefs: [`${ref}-a`] })),
      AT,
    );
    // A first plan takes (and clears) the marks the seeding made.
    await store().beginPlan({ epoch: EPOCH, now: AT, full: true });
    await store().finishPlan({ epoch: EPOCH, at: AT });
  }

  it("streams scattered marked customers in batches, each with its own rows only", async () => {
    await seed();
    // Every sixth customer changes: one invoice paid, so it is marked (a re-plan's shape).
    const changed = REFS.filter((_, i) => i % 6 === 3);
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: changed.map((ref) => invoice(`${ref}-b`, ref, { dueDate: "2026-03-03", status: "paid" })),
      cursor: "2",
      at: LATER,
    });
    expect(await store().beginPlan({ epoch: EPOCH, now: LATER, full: false })).toEqual({ incremental: true });
    const batches = await collect(store().snapshots({ now: NOW, changedOnly: true, batchSize: 2 }));
    expect(batches.map((batch) => batch.map((s) => s.customer.externalId))).toEqual([
      [changed[0], changed[1]],
      [changed[2], changed[3]],
      [changed[4]],
    ]);
    // The same customers read in a full stream (neighbours around them) give the same rows.
    const everyone = (await collect(store().snapshots({ now: NOW, batchSize: 4 }))).flat();
    const full = new Map(everyone.map((s) => [s.customer.externalId, planned(s)]));
    for (const snapshot of batches.flat()) {
      const ref = snapshot.customer.externalId;
      expect(planned(snapshot)).toEqual(full.get(ref));
      expect(planned(snapshot)).toEqual({
        ref,
        invoices: [`${ref}-a open 2026-03-07`],
        history: [`k-${ref}`],
        paidCount: 2,
      });
    }
  });

  it("goes on past a page of marks whose customers have nothing unpaid left", async () => {
    await seed();
    // C01…C06 change; C02, C03 and C04 pay everything: two whole pages of two marks hold only
    // one customer to plan between them.
    const paidUp = ["C02", "C03", "C04"];
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: REFS.slice(0, 6).flatMap((ref) =>
        ["a", "b"].map((suffix) =>
          invoice(`${ref}-${suffix}`, ref, {
            dueDate: suffix === "a" ? "2026-03-07" : "2026-03-03",
            status: paidUp.includes(ref) ? "paid" : "open",
            updatedAt: LATER,
          }),
        ),
      ),
      cursor: "4",
      at: LATER,
    });
    await store().beginPlan({ epoch: EPOCH, now: LATER, full: false });
    const batches = await collect(store().snapshots({ now: NOW, changedOnly: true, batchSize: 2 }));
    expect(batches.flat().map((s) => s.customer.externalId)).toEqual(["C01", "C05", "C06"]);
    expect(batches.every((batch) => batch.length > 0)).toBe(true);
  });

  it("streams nothing when no customer is marked, or the marked ones have nothing unpaid", async () => {
    await seed();
    expect(await store().beginPlan({ epoch: EPOCH, now: LATER, full: false })).toEqual({ incremental: true });
    expect(await collect(store().snapshots({ now: NOW, changedOnly: true, batchSize: 2 }))).toEqual([]);
    await store().finishPlan({ epoch: EPOCH, at: LATER });
    // C02 pays everything; the customer without invoices changes its record: both are marked.
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [customer("C99-no-invoices", { name: "Renamed" })],
      invoices: ["a", "b"].map((suffix) => invoice(`C02-${suffix}`, "C02", { status: "paid" })),
      cursor: "3",
      at: LATER,
    });
    await store().beginPlan({ epoch: EPOCH, now: LATER, full: false });
    expect(await collect(store().snapshots({ now: NOW, changedOnly: true, batchSize: 2 }))).toEqual([]);
  });

  it("leaves customers without unpaid invoices out of a full stream, across batch boundaries", async () => {
    await seed();
    const batches = await collect(store().snapshots({ now: NOW, batchSize: 7 }));
    expect(batches.map((batch) => batch.length)).toEqual([7, 7, 7, 7, 2]);
    expect(batches.flat().map((s) => s.customer.externalId)).toEqual(REFS);
  });

  it("can be left early, and the store closed at once: no read outlives the loop", async () => {
    const own = await factory();
    let seen = 0;
    try {
      await own.commitPage({
        source: SOURCE,
        entity: "invoices",
        customers: REFS.map((ref) => customer(ref)),
        invoices: REFS.map((ref) => invoice(`${ref}-a`, ref)),
        cursor: null,
        at: AT,
      });
      for await (const batch of own.snapshots({ now: NOW, batchSize: 5 })) {
        seen += batch.length;
        break;
      }
    } finally {
      // A batch still being read now would fail on the closed pool: an unhandled rejection fails the run.
      await own.close();
    }
    expect(seen).toBe(5);
  });
}
