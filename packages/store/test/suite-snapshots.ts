import { NO_BEHAVIOUR, PROMISE_AUDIT_ACTION } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, collect, customer, invoice, payment, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";

export function snapshotTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("streams only customers with unpaid, non-void invoices, in (source, externalId) order", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: ["C5", "C1", "C3", "C2", "C4"].map((id) => customer(id)),
      invoices: [
        invoice("I1", "C1"),
        invoice("I2", "C1", { status: "paid" }),
        invoice("I3", "C1", { status: "void" }),
        invoice("I4", "C1", { status: "disputed", dueDate: "2026-01-01" }),
        invoice("I5", "C2", { status: "paid" }),
        invoice("I6", "C3", { status: "void" }),
        invoice("I7", "C4", { status: "partially_paid", openAmount: { amountMinor: 10, currency: "BRL" } }),
        invoice("I8", "C5"),
      ],
      cursor: null,
      at: AT,
    });
    const batches = await collect(store().snapshots({ batchSize: 2, now: NOW }));
    expect(batches.map((batch) => batch.map((s) => s.customer.externalId))).toEqual([["C1", "C4"], ["C5"]]);
    const c1 = batches[0]![0]!;
    // Snapshots leave the ERP payload out (the planner never reads it).
    const { raw: _raw, ...withoutRaw } = customer("C1");
    expect(c1.customer).toEqual(withoutRaw);
    expect(c1.invoices[0]).not.toHaveProperty("raw");
    expect(c1.invoices.map((i) => i.externalId)).toEqual(["I4", "I1"]);
    expect(c1.optedOut).toBe(false);
    expect(c1.pausedUntil).toBeNull();
    expect(c1.history).toEqual([]);
    // I2 is paid with no payment naming it: its updatedAt (2026-03-01) stands for the payment date.
    expect(c1.payments).toMatchObject({ paidCount: 1, paidLateCount: 1, averageDaysLate: 14 });
    expect(batches[0]![1]!.payments).toEqual({
      paidCount: 0,
      paidLateCount: 0,
      averageDaysLate: 0,
      behaviour: NO_BEHAVIOUR,
    });
  });

  it("hands the planner an invoice's installments, so each one is dunned on its own due date", async () => {
    const brl = (amountMinor: number) => ({ amountMinor, currency: "BRL" });
    const installments = [
      { number: 1, dueDate: "2026-02-10", amount: brl(5000), openAmount: brl(0), status: "paid" as const },
      { number: 2, dueDate: "2026-03-10", amount: brl(5000), openAmount: brl(5000), status: "open" as const },
    ];
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [customer("C1")],
      invoices: [
        invoice("I1", "C1", {
          total: brl(10000),
          openAmount: brl(5000),
          status: "partially_paid",
          installments,
        }),
        invoice("I2", "C1"),
      ],
      cursor: null,
      at: AT,
    });
    const c1 = (await collect(store().snapshots({ batchSize: 10, now: NOW }))).flat()[0];
    const byId = new Map(c1?.invoices.map((i) => [i.externalId, i]));
    expect(byId.get("I1")?.installments).toEqual(installments);
    expect(byId.get("I2")).not.toHaveProperty("installments");
  });

  it("pages by keyset across sources without skipping or repeating", async () => {
    const records = [];
    for (let i = 0; i < 23; i++) {
      const source = i % 2 === 0 ? "a" : "b";
      records.push({ c: customer(`C${String(i).padStart(3, "0")}`, { source }), source });
    }
    await store().commitPage({
      source: "a",
      entity: "invoices",
      customers: records.map((r) => r.c),
      invoices: records.map((r) => invoice(`I-${r.c.externalId}`, r.c.externalId, { source: r.source })),
      cursor: null,
      at: AT,
    });
    const batches = await collect(store().snapshots({ batchSize: 5, now: NOW }));
    expect(batches.map((b) => b.length)).toEqual([5, 5, 5, 5, 3]);
    const order = batches.flat().map((s) => `${s.customer.source}/${s.customer.externalId}`);
    expect(order).toEqual([...order].sort());
    expect(new Set(order).size).toBe(23);
    const onlyB = (await collect(store().snapshots({ batchSize: 100, source: "b", now: NOW }))).flat();
    expect(onlyB).toHaveLength(11);
    expect(onlyB.every((s) => s.customer.source === "b" && s.invoices[0]?.source === "b")).toBe(true);
  });

  it("carries action history, opt-outs and pauses", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [
        customer("C1"),
        customer("C2", { phones: ["+5511977778888"] }),
        customer("C3", { consent: "opted_out" }),
        customer("C4"),
      ],
      invoices: ["C1", "C2", "C3", "C4"].map((ref) => invoice(`I-${ref}`, ref)),
      cursor: null,
      at: AT,
    });
    await store().insertActions([action("k1", { customerRef: "C1", invoiceRefs: ["I-C1"] })], AT);
    await store().markReplied("k1", "2026-03-10T10:00:00Z");
    await store().setOptOut({
      phone: "+5511977778888",
      source: null,
      customerRef: null,
      reason: "parar",
      at: AT,
    });
    await store().setOptOut({ phone: null, source: SOURCE, customerRef: "C4", reason: "operator", at: AT });
    await store().setPause({
      source: SOURCE,
      customerRef: "C1",
      until: "2026-03-20T00:00:00Z",
      reason: "promise",
      at: AT,
    });
    const all = (await collect(store().snapshots({ now: NOW }))).flat();
    const byRef = new Map(all.map((s) => [s.customer.externalId, s]));
    expect(byRef.get("C1")?.history).toEqual([
      {
        key: "k1",
        stepId: "d+1",
        invoiceRefs: ["I-C1"],
        status: "planned",
        dueAt: "2026-03-10T09:00:00.000Z",
        sentAt: null,
        repliedAt: "2026-03-10T10:00:00.000Z",
      },
    ]);
    expect(byRef.get("C1")?.pausedUntil).toBe("2026-03-20T00:00:00.000Z");
    expect(byRef.get("C1")?.pauseEndedAt).toBeNull();
    expect([...byRef.values()].map((s) => [s.customer.externalId, s.optedOut])).toEqual([
      ["C1", false],
      ["C2", true],
      ["C3", true],
      ["C4", true],
    ]);
    // A pause that has ended is not running any more; its end is reported for the catch-up limit.
    const later = (await collect(store().snapshots({ now: "2026-04-01T00:00:00Z" }))).flat();
    const resumed = later.find((s) => s.customer.externalId === "C1");
    expect(resumed?.pausedUntil).toBeNull();
    expect(resumed?.pauseEndedAt).toBe("2026-03-20T00:00:00.000Z");
  });

  it("computes payment history over the last 365 days from payment dates", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [customer("C1")],
      invoices: [
        invoice("open", "C1"),
        invoice("on-time", "C1", { status: "paid", dueDate: "2026-02-10" }),
        invoice("late-10", "C1", { status: "paid", dueDate: "2026-02-10" }),
        invoice("late-20", "C1", { status: "paid", dueDate: "2026-01-01" }),
        invoice("too-old", "C1", { status: "paid", dueDate: "2024-01-01" }),
        // No payment names it: its updatedAt (2026-03-01) stands for the payment date.
        invoice("no-payment", "C1", { status: "paid", dueDate: "2026-02-25" }),
      ],
      payments: [
        payment("P1", "on-time", "2026-02-09"),
        payment("P2", "late-10", "2026-02-20"),
        payment("P3", "late-20", "2026-01-21"),
        payment("P4", "too-old", "2024-01-05"),
      ],
      cursor: null,
      at: AT,
    });
    const [snapshot] = (await collect(store().snapshots({ now: NOW }))).flat();
    expect(snapshot?.payments).toMatchObject({
      paidCount: 4,
      paidLateCount: 3,
      averageDaysLate: (10 + 20 + 4) / 4,
    });
  });

  it("computes the behaviour features: last N invoices, reminders, promises and replies", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [customer("C1")],
      invoices: [
        invoice("open", "C1"),
        invoice("early", "C1", { status: "paid", dueDate: "2026-02-20" }),
        invoice("late-5", "C1", { status: "paid", dueDate: "2026-02-10" }),
        invoice("late-30", "C1", { status: "paid", dueDate: "2026-01-10" }),
        // Fourth by due date: outside lastInvoices 3.
        invoice("late-60", "C1", { status: "paid", dueDate: "2025-11-01" }),
      ],
      payments: [
        payment("P1", "early", "2026-02-18"),
        payment("P2", "late-5", "2026-02-15"),
        payment("P3", "late-30", "2026-02-09"),
        payment("P4", "late-60", "2025-12-31"),
      ],
      cursor: null,
      at: AT,
    });
    // A reminder for late-5 went out on 2026-02-12, before it was paid; one for early after it was.
    const reminded = action("r1", { invoiceRefs: ["late-5"], dueAt: "2026-02-12T12:00:00.000Z" });
    const after = action("r2", { invoiceRefs: ["early"], dueAt: "2026-02-19T12:00:00.000Z" });
    await store().insertActions([reminded, after], AT);
    for (const [key, sentAt] of [
      ["r1", "2026-02-12T12:00:00.000Z"],
      ["r2", "2026-02-19T12:00:00.000Z"],
    ] as const) {
      await store().commitOutcome({ key, from: ["planned"], to: "sent", patch: { at: sentAt, sentAt } });
    }
    await store().markReplied("r1", "2026-02-12T13:00:00.000Z");
    // Two promises: one kept (late-5 paid inside its hold), one broken; a running one counts as neither.
    const promise = (at: string, until: string) =>
      store().appendAudit({
        at,
        actor: "webhook:wa",
        action: PROMISE_AUDIT_ACTION,
        subject: `${SOURCE}/C1`,
        detail: { date: null, until, text: "vou pagar" },
      });
    await promise("2026-02-12T13:00:00.000Z", "2026-02-16T03:00:00.000Z");
    await promise("2026-02-20T13:00:00.000Z", "2026-02-24T03:00:00.000Z");
    await promise("2026-03-09T13:00:00.000Z", "2026-03-12T03:00:00.000Z");
    const [snapshot] = (await collect(store().snapshots({ now: NOW, lastInvoices: 3 }))).flat();
    expect(snapshot?.payments.paidCount).toBe(4);
    expect(snapshot?.payments.behaviour).toEqual({
      invoices: 3,
      averageDaysLate: (0 + 5 + 30) / 3,
      p90DaysLate: 30,
      paidEarlyShare: 1 / 3,
      paidAfterReminderShare: 1 / 3,
      brokenPromises: 1,
      replies: 1,
      monthlyDaysLate: [30, 2.5, null, null, null, null, null, null, null, null, 60, null],
    });
  });
}
