import { expect, it } from "vitest";
import { action, customer, invoice, payment, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const DAY1 = "2026-03-10T12:00:00.000Z";
const DAY2 = "2026-03-11T12:00:00.000Z";
const PERIOD = { from: "2026-03-10T00:00:00.000Z", to: "2026-03-12T00:00:00.000Z" };

/** Period figures and the reconstructed ledger, on hand-made data whose answers are worked out below. */
export function reportPeriodTests(factory: StoreFactory): void {
  const store = useStore(factory);

  async function seed(): Promise<void> {
    const s = store();
    const at = DAY1;
    await s.commitPage({
      source: "erp",
      entity: "customers",
      customers: [customer("C1"), customer("C2")],
      cursor: null,
      at,
    });
    await s.commitPage({
      source: "erp",
      entity: "invoices",
      invoices: [
        // I1: 100.00 BRL issued 01-15, due 02-15, paid 03-11 after the d+1 message of 03-10.
        invoice("I1", "C1", { status: "paid" }),
        // I2: still open, due 03-01 (9 days late at 03-10).
        invoice("I2", "C2", { dueDate: "2026-03-01", issueDate: "2026-02-20" }),
        // I3: USD, open, not yet due.
        invoice("I3", "C2", {
          dueDate: "2026-04-01",
          issueDate: "2026-03-05",
          total: { amountMinor: 5_000, currency: "USD" },
          openAmount: { amountMinor: 5_000, currency: "USD" },
        }),
      ],
      cursor: null,
      at,
    });
    await s.commitPage({
      source: "erp",
      entity: "payments",
      payments: [payment("P1", "I1", "2026-03-11")],
      cursor: null,
      at: DAY2,
    });
    await s.insertActions(
      [
        action("m1", { invoiceRefs: ["I1"], customerRef: "C1", stepId: "d+1" }),
        action("m2", { invoiceRefs: ["I2"], customerRef: "C2", stepId: "d+7" }),
        action("m3", { invoiceRefs: ["I2"], customerRef: "C2", stepId: "d+7", key: "m3" }),
        action("e1", { invoiceRefs: ["I2"], customerRef: "C2", stepId: "esc", kind: "escalate" }),
      ],
      DAY1,
    );
    await s.transitionAction("m1", ["planned"], "read", {
      at: DAY1,
      sentAt: DAY1,
      providerMessageId: "wamid.1",
    });
    await s.transitionAction("m2", ["planned"], "delivered", {
      at: DAY1,
      sentAt: DAY1,
      providerMessageId: "wamid.2",
    });
    // m3 left before the period: counted nowhere in it.
    await s.transitionAction("m3", ["planned"], "sent", {
      at: DAY1,
      sentAt: "2026-03-09T12:00:00.000Z",
      providerMessageId: "wamid.3",
    });
    await s.transitionAction("e1", ["planned"], "sent", { at: DAY1, sentAt: DAY1 });
    await s.markReplied("m2", "2026-03-10T13:00:00.000Z");
    await s.setOptOut({
      phone: customer("C2").phones[0] ?? null,
      source: null,
      customerRef: null,
      reason: "PARAR",
      at: "2026-03-10T14:00:00.000Z",
    });
    const cost = {
      channel: "wa",
      pricingModel: "PMP",
      conversationId: null,
      conversationOrigin: null,
      conversationExpiresAt: null,
      at: DAY1,
    };
    await s.recordMessageCost({
      ...cost,
      providerMessageId: "wamid.1",
      actionKey: "m1",
      billable: true,
      category: "utility",
    });
    await s.recordMessageCost({
      ...cost,
      providerMessageId: "wamid.2",
      actionKey: "m2",
      billable: true,
      category: "utility",
    });
  }

  it("counts messages, replies, opt-outs, pricing and money recovered per source and step", async () => {
    await seed();
    const figures = await store().periodFigures(PERIOD);
    expect(figures.messages).toEqual([
      { source: "erp", stepId: "d+1", channel: "wa", kind: "message", sent: 1, replied: 0, optedOut: 0 },
      { source: "erp", stepId: "d+7", channel: "wa", kind: "message", sent: 1, replied: 1, optedOut: 1 },
    ]);
    expect(figures.pricing).toEqual([
      { source: "erp", stepId: "d+1", channel: "wa", category: "utility", billable: true, messages: 1 },
      { source: "erp", stepId: "d+7", channel: "wa", category: "utility", billable: true, messages: 1 },
    ]);
    expect(figures.recovered).toEqual([
      { source: "erp", stepId: "d+1", currency: "BRL", invoices: 1, amountMinor: 10_000 },
    ]);
    // The day before: only m3 left, nothing was paid.
    const before = await store().periodFigures({ from: "2026-03-09T00:00:00.000Z", to: PERIOD.from });
    expect(before.messages).toEqual([
      { source: "erp", stepId: "d+7", channel: "wa", kind: "message", sent: 1, replied: 0, optedOut: 0 },
    ]);
    expect(before.recovered).toEqual([]);
  });

  it("rebuilds aging and DSO at past days from the allocations, and the recovery curve per step", async () => {
    await seed();
    const ledger = await store().ledgerFigures({
      dates: ["2026-03-10", "2026-03-11"],
      dsoDays: 30,
      curve: { ...PERIOD, days: 3 },
    });
    const brl = ledger.receivables.filter((r) => r.currency === "BRL");
    // 03-10: I1 (23 days late) and I2 (9 days late) open; invoiced in (02-08, 03-10]: I2 only.
    expect(brl[0]).toMatchObject({
      date: "2026-03-10",
      openAmountMinor: 20_000,
      invoicedMinor: 10_000,
      dso: 60,
    });
    expect(brl[0]?.buckets.find((b) => b.bucket === "1-30")).toEqual({
      bucket: "1-30",
      invoices: 2,
      openAmountMinor: 20_000,
    });
    // 03-11: I1 paid.
    expect(brl[1]).toMatchObject({ date: "2026-03-11", openAmountMinor: 10_000, dso: 30 });
    const usd = ledger.receivables.find((r) => r.currency === "USD" && r.date === "2026-03-11");
    expect(usd?.buckets.find((b) => b.bucket === "current")).toEqual({
      bucket: "current",
      invoices: 1,
      openAmountMinor: 5_000,
    });
    expect(ledger.curves).toEqual([
      {
        stepId: "d+1",
        currency: "BRL",
        invoices: 1,
        contactedMinor: 10_000,
        paidByDay: [0, 10_000, 10_000, 10_000],
      },
      { stepId: "d+7", currency: "BRL", invoices: 1, contactedMinor: 10_000, paidByDay: [0, 0, 0, 0] },
    ]);
  });
}
