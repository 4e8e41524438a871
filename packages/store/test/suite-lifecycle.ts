import type { QuarantinedRecord } from "@regua/core";
import { expect, it } from "vitest";
import { AT, customer, invoice, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const LATER = "2026-03-11T12:00:00.000Z";
const LATEST = "2026-03-12T12:00:00.000Z";

/** Soft deletions (events and the full-reconcile diff) and the quarantine, on every dialect. */
export function lifecycleTests(factory: StoreFactory): void {
  const store = useStore(factory);

  async function seed(): Promise<void> {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [customer("C1"), customer("C2")],
      invoices: [invoice("I1", "C1"), invoice("I2", "C1"), invoice("I3", "C2", { status: "paid" })],
      cursor: "1",
      at: AT,
    });
  }

  it("markDeleted soft-deletes, reports the invoice change once, and keeps the record", async () => {
    await seed();
    const at = LATER;
    const changes = await store().markDeleted({
      source: SOURCE,
      entity: "invoices",
      externalIds: ["I1", "nope"],
      at,
    });
    expect(changes).toEqual([
      { externalId: "I1", customerRef: "C1", previous: "open", current: "deleted", replacedBy: [] },
    ]);
    expect(
      await store().markDeleted({ source: SOURCE, entity: "invoices", externalIds: ["I1"], at }),
    ).toEqual([]);
    const kept = await store().getInvoice(SOURCE, "I1");
    expect(kept?.deletedAt).toBe(LATER);
    expect(kept?.status).toBe("open");
    const batches = [];
    for await (const batch of store().snapshots({ now: LATER })) batches.push(...batch);
    expect(batches.map((s) => s.invoices.map((i) => i.externalId))).toEqual([["I2"]]);
  });

  it("a deleted record listed again comes back, reported as deleted → its status", async () => {
    await seed();
    await store().markDeleted({ source: SOURCE, entity: "invoices", externalIds: ["I1"], at: LATER });
    const result = await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I1", "C1")],
      cursor: "2",
      at: LATEST,
    });
    expect(result.changes).toEqual([
      { externalId: "I1", customerRef: "C1", previous: "deleted", current: "open", replacedBy: [] },
    ]);
    expect((await store().getInvoice(SOURCE, "I1"))?.deletedAt).toBeUndefined();
  });

  it("markUnseenDeleted deletes what a full pass did not see, except the kept ids", async () => {
    await seed();
    // The full pass: only I2 is listed; I3 was listed but quarantined (kept).
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I2", "C1")],
      cursor: null,
      at: LATEST,
    });
    const result = await store().markUnseenDeleted({
      source: SOURCE,
      entity: "invoices",
      passStartedAt: LATER,
      keep: ["I3"],
      at: LATEST,
    });
    expect(result.deleted).toBe(1);
    expect(result.changes).toEqual([
      { externalId: "I1", customerRef: "C1", previous: "open", current: "deleted", replacedBy: [] },
    ]);
    expect((await store().getInvoice(SOURCE, "I3"))?.deletedAt).toBeUndefined();
    const customers = await store().markUnseenDeleted({
      source: SOURCE,
      entity: "customers",
      passStartedAt: LATER,
      keep: [],
      at: LATEST,
    });
    expect(customers).toEqual({ deleted: 2, changes: [] });
    expect((await store().getCustomer(SOURCE, "C1"))?.deletedAt).toBe(LATEST);
    expect(
      await store().findCustomersByPhone((await store().getCustomer(SOURCE, "C1"))?.phones[0] ?? ""),
    ).toEqual([]);
  });

  it("upsertInvoice reports its status change", async () => {
    await seed();
    const { applied, change } = await store().upsertInvoice(
      invoice("I2", "C1", { status: "written_off" }),
      LATER,
    );
    expect(applied).toBe(true);
    expect(change).toEqual({
      externalId: "I2",
      customerRef: "C1",
      previous: "open",
      current: "written_off",
      replacedBy: [],
    });
    const again = await store().upsertInvoice(invoice("I2", "C1", { status: "written_off" }), LATER);
    expect(again).toEqual({ applied: true, change: null });
    expect(await store().upsertInvoice(invoice("new", "C1"), LATER)).toEqual({ applied: true, change: null });
  });

  it("quarantined records commit with their page, and the report counts them", async () => {
    const bad: QuarantinedRecord = {
      source: SOURCE,
      entity: "invoices",
      externalId: "B1",
      issues: [{ path: "dueDate", message: "Invalid ISO date" }],
      error: "erp invoices B1: dueDate: Invalid ISO date",
      raw: { externalId: "B1", dueDate: "31/02/2026" },
      at: AT,
    };
    const anonymous = { ...bad, externalId: null, raw: 42, at: LATER };
    const result = await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I1", "C1")],
      quarantined: [bad, anonymous],
      cursor: "1",
      at: AT,
    });
    expect(result.upserted).toBe(1);
    expect(await store().getInvoice(SOURCE, "I1")).not.toBeNull();
    expect(await store().listQuarantine()).toEqual([anonymous, bad]);
    expect(await store().listQuarantine({ source: "other" })).toEqual([]);
    const report = await store().report(LATER);
    expect(report.quarantine).toEqual([{ source: SOURCE, entity: "invoices", records: 2, lastAt: LATER }]);
    // The next sync quarantines B1 again: it stays one record in the counts, listed twice.
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      quarantined: [{ ...bad, at: LATER }],
      cursor: "2",
      at: LATER,
    });
    expect(await store().listQuarantine()).toHaveLength(3);
    const again = await store().report(LATER);
    expect(again.quarantine).toEqual([{ source: SOURCE, entity: "invoices", records: 2, lastAt: LATER }]);
  });
}
