import { fitRiskModel, PROMISE_AUDIT_ACTION, RISK_COLUMNS, trainingRows } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, collect, customer, invoice, payment, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

export function riskTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("hands training every customer's invoices with payment days, history and promises, in batches", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: ["C1", "C2", "C3"].map((id) => customer(id)),
      invoices: [
        invoice("late", "C1", { status: "paid", dueDate: "2026-01-10" }),
        invoice("open", "C1", { dueDate: "2026-02-10" }),
        invoice("void", "C1", { status: "void" }),
        // Paid with no payment naming it: its updatedAt (2026-03-01) stands for the day.
        invoice("unnamed", "C2", { status: "paid", dueDate: "2026-02-20" }),
      ],
      payments: [payment("P1", "late", "2026-01-30")],
      cursor: null,
      at: AT,
    });
    await store().insertActions(
      [action("r1", { invoiceRefs: ["late"], dueAt: "2026-01-15T12:00:00.000Z" })],
      AT,
    );
    await store().appendAudit({
      at: "2026-01-16T12:00:00.000Z",
      actor: "webhook:wa",
      action: PROMISE_AUDIT_ACTION,
      subject: `${SOURCE}/C1`,
      detail: { date: "2026-01-20", until: "2026-01-22T03:00:00.000Z", text: "pago dia 20" },
    });
    const batches = await collect(store().risk.paymentFacts({ batchSize: 1 }));
    // C3 has no invoice: no facts. Batches of one customer each.
    expect(batches.map((batch) => batch.map((f) => f.customerRef))).toEqual([["C1"], ["C2"]]);
    const [c1] = batches[0]!;
    expect(c1?.invoices).toEqual([
      { externalId: "late", dueDate: "2026-01-10", amountMinor: 10_000, paidOn: "2026-01-30" },
      { externalId: "open", dueDate: "2026-02-10", amountMinor: 10_000, paidOn: null },
    ]);
    expect(c1?.history.map((h) => h.key)).toEqual(["r1"]);
    expect(c1?.promises).toEqual([{ madeAt: "2026-01-16T12:00:00.000Z", until: "2026-01-22T03:00:00.000Z" }]);
    expect(batches[1]![0]?.invoices[0]?.paidOn).toBe("2026-03-01");
  });

  it("stores trained models and hands back the latest, parsed", async () => {
    expect(await store().risk.latestModel()).toBeNull();
    const facts = {
      source: SOURCE,
      customerRef: "C1",
      history: [],
      promises: [],
      invoices: Array.from({ length: 12 }, (_, m) => ({
        externalId: String(m),
        dueDate: `2025-${String(m + 1).padStart(2, "0")}-10`,
        amountMinor: 10_000,
        paidOn: `2025-${String(m + 1).padStart(2, "0")}-${m % 2 === 0 ? "08" : "28"}`,
      })),
    };
    const rows = trainingRows(facts, {
      horizonDays: 15,
      offsets: [0],
      dueFrom: "2025-01-01",
      dueTo: "2026-01-01",
      asOf: "2026-01-31",
      lastInvoices: 12,
    });
    const options = { horizonDays: 15, l2: 1, dueFrom: "2025-01-01", dueTo: "2026-01-01" };
    const first = fitRiskModel(rows, { ...options, trainedAt: "2026-02-01T00:00:00.000Z" });
    const second = fitRiskModel(rows, { ...options, l2: 5, trainedAt: "2026-03-01T00:00:00.000Z" });
    const firstId = await store().risk.saveModel(first, "2026-02-01T00:00:00.000Z");
    const secondId = await store().risk.saveModel(second, "2026-03-01T00:00:00.000Z");
    expect(secondId).toBeGreaterThan(firstId);
    const latest = await store().risk.latestModel();
    expect(latest).toEqual({ id: secondId, model: second, createdAt: "2026-03-01T00:00:00.000Z" });
    expect(latest?.model.columns).toEqual([...RISK_COLUMNS]);
    // A model written by a version with other columns is refused (it would score wrongly).
    const stale = { ...second, columns: second.columns.slice(1), coefficients: second.coefficients.slice(1) };
    await store().risk.saveModel(stale, "2026-04-01T00:00:00.000Z");
    await expect(store().risk.latestModel()).rejects.toThrow(/trained with other columns.*run regua score/);
  });
}
