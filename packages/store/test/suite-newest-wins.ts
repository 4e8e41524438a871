import { createEngine, ManualClock, parsePolicy, SAMPLE_POLICY_YAML, silentLogger } from "@regua/core";
import { expect, it } from "vitest";
import type { ReguaStore } from "../src/index.js";
import { collect, customer, invoice, payment, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

// Two reads of one record, a minute apart in the ERP's clock; committed newest first, as a
// webhook's targeted sync can overtake a scheduled sync that read the record earlier.
const READ_FIRST = "2026-03-10T10:00:00.000Z";
const READ_LATER = "2026-03-10T10:01:00.000Z";
const NOW = "2026-03-10T13:00:00.000Z";
const LATER = "2026-03-10T15:00:00.000Z";

function commit(store: ReguaStore, page: Omit<Parameters<ReguaStore["commitPage"]>[0], "source">) {
  return store.commitPage({ source: SOURCE, ...page });
}

export function newestWinsTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("keeps the newer customer when an older copy commits after it, phones included", async () => {
    const newer = customer("C1", { name: "Ana Nova", phones: ["+5511911110002"], updatedAt: READ_LATER });
    const older = customer("C1", { name: "Ana Velha", phones: ["+5511911110001"], updatedAt: READ_FIRST });
    await commit(store(), { entity: "customers", customers: [newer], cursor: "1", at: NOW });
    const result = await commit(store(), { entity: "customers", customers: [older], cursor: "2", at: LATER });
    expect(result).toEqual({ upserted: 0, stale: 1, changes: [] });
    expect(await store().getCustomer(SOURCE, "C1")).toEqual(newer);
    expect((await store().findCustomersByPhone("+5511911110002")).map((c) => c.name)).toEqual(["Ana Nova"]);
    expect(await store().findCustomersByPhone("+5511911110001")).toEqual([]);
    // The page still counts as read: the cursor moves on.
    expect(await store().getCursor(SOURCE, "customers")).toBe("2");
  });

  it("keeps the paid invoice when the open copy read before it commits after it, and reports no change", async () => {
    await commit(store(), { entity: "invoices", invoices: [invoice("I1", "C1")], cursor: "0", at: NOW });
    const paid = invoice("I1", "C1", { status: "paid", updatedAt: READ_LATER });
    const open = invoice("I1", "C1", { status: "open", updatedAt: READ_FIRST });
    const first = await commit(store(), { entity: "invoices", invoices: [paid], cursor: "1", at: NOW });
    expect(first.changes).toEqual([
      { externalId: "I1", customerRef: "C1", previous: "open", current: "paid", replacedBy: [] },
    ]);
    const stale = await commit(store(), { entity: "invoices", invoices: [open], cursor: "2", at: LATER });
    expect(stale).toEqual({ upserted: 0, stale: 1, changes: [] });
    expect(await store().getInvoice(SOURCE, "I1")).toEqual(paid);
    expect(await store().getCursor(SOURCE, "invoices")).toBe("2");
  });

  it("keeps the newer payment and its allocations when an older copy commits after it", async () => {
    await commit(store(), {
      entity: "invoices",
      customers: [customer("C1")],
      invoices: [
        invoice("I1", "C1", { status: "paid", dueDate: "2026-01-10" }),
        invoice("I2", "C1", { dueDate: "2026-01-10" }),
      ],
      cursor: "0",
      at: NOW,
    });
    // The ERP moved the payment from I2 to I1 and changed its date; the old read names I2.
    const newer = payment("P1", "I1", "2026-01-30", { customerRef: "C1", updatedAt: READ_LATER });
    const older = payment("P1", "I2", "2026-01-25", { customerRef: "C1", updatedAt: READ_FIRST });
    await commit(store(), { entity: "payments", payments: [newer], cursor: "1", at: NOW });
    const result = await commit(store(), { entity: "payments", payments: [older], cursor: "2", at: LATER });
    expect(result).toEqual({ upserted: 0, stale: 1, changes: [] });
    const [facts] = (await collect(store().risk.paymentFacts())).flat();
    expect(facts?.invoices.map((i) => [i.externalId, i.paidOn])).toEqual([
      ["I1", "2026-01-30"],
      ["I2", null],
    ]);
    expect(await store().getCursor(SOURCE, "payments")).toBe("2");
  });

  it("applies a copy as new as the stored one (a re-read), and copies without a time, as before", async () => {
    const stamped = invoice("I1", "C1", { updatedAt: READ_LATER });
    await commit(store(), { entity: "invoices", invoices: [stamped], cursor: "1", at: NOW });
    // Same ERP time, other content: an ERP stamping whole seconds gives two edits one time.
    const sameTime = invoice("I1", "C1", { status: "paid", updatedAt: "2026-03-10T10:01:00Z" });
    const same = await commit(store(), { entity: "invoices", invoices: [sameTime], cursor: "2", at: NOW });
    expect(same).toMatchObject({ upserted: 1, stale: 0 });
    expect((await store().getInvoice(SOURCE, "I1"))?.status).toBe("paid");
    const unstamped = invoice("I1", "C1", { status: "open", updatedAt: null });
    await commit(store(), { entity: "invoices", invoices: [unstamped], cursor: "3", at: NOW });
    expect((await store().getInvoice(SOURCE, "I1"))?.status).toBe("open");
    // The stored row has no time now: any copy replaces it.
    const older = invoice("I1", "C1", { status: "void", updatedAt: READ_FIRST });
    await commit(store(), { entity: "invoices", invoices: [older], cursor: "4", at: NOW });
    expect((await store().getInvoice(SOURCE, "I1"))?.status).toBe("void");
  });

  it("keeps the newest of a record a page names twice, in either order", async () => {
    const paid = invoice("I1", "C1", { status: "paid", updatedAt: READ_LATER });
    const open = invoice("I1", "C1", { status: "open", updatedAt: READ_FIRST });
    const other = invoice("I2", "C1", { status: "open", updatedAt: READ_FIRST });
    const later = invoice("I2", "C1", { status: "paid", updatedAt: READ_LATER });
    const page = [paid, open, other, later];
    const result = await commit(store(), { entity: "invoices", invoices: page, cursor: "1", at: NOW });
    expect(result).toMatchObject({ upserted: 2, stale: 0 });
    expect((await store().getInvoice(SOURCE, "I1"))?.status).toBe("paid");
    expect((await store().getInvoice(SOURCE, "I2"))?.status).toBe("paid");
  });

  it("upsertInvoice keeps a newer stored copy and says it did not apply the fresh read", async () => {
    const paid = invoice("I1", "C1", { status: "paid", updatedAt: READ_LATER });
    await commit(store(), { entity: "invoices", invoices: [paid], cursor: "1", at: NOW });
    const fresh = invoice("I1", "C1", { status: "open", updatedAt: READ_FIRST });
    expect(await store().upsertInvoice(fresh, LATER)).toEqual({ applied: false, change: null });
    expect(await store().getInvoice(SOURCE, "I1")).toEqual(paid);
  });

  it("a stale copy marks nobody for re-plan", async () => {
    const engine = (now: string) =>
      createEngine({
        store: store(),
        connectors: new Map(),
        channels: new Map(),
        policy: parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml"),
        clock: new ManualClock(now),
        log: silentLogger,
        workerId: "newest-wins-test",
      });
    await commit(store(), {
      entity: "invoices",
      customers: [customer("C1", { updatedAt: READ_LATER })],
      invoices: [
        invoice("I1", "C1", { dueDate: "2026-03-03", status: "paid", updatedAt: READ_LATER }),
        invoice("I2", "C1", { dueDate: "2026-03-07" }),
      ],
      payments: [payment("P1", "I1", "2026-03-05", { customerRef: "C1", updatedAt: READ_LATER })],
      cursor: "1",
      at: NOW,
    });
    expect(await engine(NOW).plan()).toMatchObject({ incremental: false, customers: 1 });
    await commit(store(), {
      entity: "invoices",
      customers: [customer("C1", { name: "Old name", updatedAt: READ_FIRST })],
      invoices: [invoice("I1", "C1", { dueDate: "2026-03-03", status: "open", updatedAt: READ_FIRST })],
      payments: [payment("P1", "I9", "2026-03-01", { customerRef: "C1", updatedAt: READ_FIRST })],
      cursor: "2",
      at: LATER,
    });
    expect(await engine(LATER).plan()).toMatchObject({ incremental: true, customers: 0, inserted: 0 });
  });

  it("many syncs committing versions of one invoice at once, in any order, leave the newest", async () => {
    // On PostgreSQL these run on several pooled connections: the upserts race for the row.
    await commit(store(), { entity: "invoices", invoices: [invoice("I1", "C1")], cursor: "0", at: NOW });
    const minute = (m: number) => `2026-03-10T10:${String(m).padStart(2, "0")}:00.000Z`;
    const versions = Array.from({ length: 16 }, (_, m) =>
      invoice("I1", "C1", { status: m % 2 === 0 ? "open" : "paid", updatedAt: minute(m) }),
    );
    const order = [7, 0, 15, 3, 12, 1, 9, 14, 2, 11, 5, 13, 4, 10, 6, 8];
    const results = await Promise.all(
      order.map((m) =>
        commit(store(), { entity: "invoices", invoices: [versions[m]!], cursor: String(m), at: LATER }),
      ),
    );
    expect(await store().getInvoice(SOURCE, "I1")).toEqual(versions[15]);
    expect(results[order.indexOf(15)]).toMatchObject({ upserted: 1, stale: 0 });
    expect(results.every((r) => r.upserted + r.stale === 1)).toBe(true);
    // A stale commit reports no change (the version it carried was never stored).
    expect(results.filter((r) => r.stale === 1).flatMap((r) => r.changes)).toEqual([]);
  });

  it("a stale copy still counts as seen by a full reconcile: it is not marked deleted", async () => {
    const paid = invoice("I1", "C1", { status: "paid", updatedAt: READ_LATER });
    await commit(store(), { entity: "invoices", invoices: [paid], cursor: "1", at: NOW });
    // A full pass starts after that commit and lists the invoice from an ERP replica that lags.
    const open = invoice("I1", "C1", { status: "open", updatedAt: READ_FIRST });
    await commit(store(), { entity: "invoices", invoices: [open], cursor: null, at: LATER });
    const unseen = await store().markUnseenDeleted({
      source: SOURCE,
      entity: "invoices",
      passStartedAt: LATER,
      keep: [],
      at: LATER,
    });
    expect(unseen).toEqual({ deleted: 0, changes: [] });
    expect((await store().getInvoice(SOURCE, "I1"))?.deletedAt ?? null).toBeNull();
  });
}
