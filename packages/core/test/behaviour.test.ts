import { describe, expect, it } from "vitest";
import type { ActionHistoryEntry, CustomerSnapshot, PaymentHistory } from "../src/actions.js";
import { NO_BEHAVIOUR, type PaidInvoiceFact, paymentHistoryOf } from "../src/behaviour/index.js";
import { Customer, Invoice } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { parsePolicy } from "../src/policy/index.js";

const NOW = "2026-11-24T13:00:00.000Z";
const options = { now: NOW, lastInvoices: 12, windowDays: 365 };

const paid = (externalId: string, dueDate: string, paidOn: string): PaidInvoiceFact => ({
  externalId,
  dueDate,
  paidOn,
});

function sent(invoiceRef: string, sentAt: string, stepId = "d0", repliedAt: string | null = null) {
  const entry: ActionHistoryEntry = {
    key: `${stepId}:${invoiceRef}`,
    stepId,
    invoiceRefs: [invoiceRef],
    status: "sent",
    dueAt: sentAt,
    sentAt,
    repliedAt,
  };
  return entry;
}

describe("paymentHistoryOf: behaviour features", () => {
  it("no facts: the 365-day stats are zero and every feature is unknown", () => {
    expect(paymentHistoryOf({ paid: [], history: [], promises: [] }, options)).toEqual({
      paidCount: 0,
      paidLateCount: 0,
      averageDaysLate: 0,
      behaviour: NO_BEHAVIOUR,
    });
  });

  it("days late, p90 and early share over the last N invoices by due date", () => {
    const facts = {
      paid: [
        paid("a", "2026-10-10", "2026-10-08"), // 2 days early
        paid("b", "2026-09-10", "2026-09-10"), // on the day
        paid("c", "2026-08-10", "2026-08-20"), // 10 late
        paid("d", "2026-07-10", "2026-08-09"), // 30 late
        paid("old", "2026-01-10", "2026-03-11"), // 60 late, beyond lastInvoices 4
        paid("ancient", "2024-01-10", "2024-01-10"), // outside the window
      ],
      history: [],
      promises: [],
    };
    const result = paymentHistoryOf(facts, { ...options, lastInvoices: 4 });
    expect(result).toMatchObject({ paidCount: 5, paidLateCount: 3, averageDaysLate: 100 / 5 });
    expect(result.behaviour).toEqual({
      invoices: 4,
      averageDaysLate: 40 / 4,
      p90DaysLate: 30,
      paidEarlyShare: 0.25,
      paidAfterReminderShare: 0,
      brokenPromises: 0,
      replies: 0,
      // Seasonal pattern over two years, by due month (ancient is older than that).
      monthlyDaysLate: [60, null, null, null, null, null, 30, 10, 0, 0, null, null],
    });
  });

  it("paid after the first reminder: a dunning message on or before the payment day; lifecycle messages do not count", () => {
    const facts = {
      paid: [paid("a", "2026-10-10", "2026-10-15"), paid("b", "2026-09-10", "2026-09-12")],
      history: [
        sent("a", "2026-10-15T11:00:00.000Z"),
        sent("b", "2026-09-13T11:00:00.000Z"), // after b was paid
        sent("b", "2026-09-11T11:00:00.000Z", "lifecycle:paymentConfirmation"),
      ],
      promises: [],
    };
    expect(paymentHistoryOf(facts, options).behaviour?.paidAfterReminderShare).toBe(0.5);
  });

  it("broken promises: the hold ended with no payment since the promise; replies in the window", () => {
    const facts = {
      paid: [paid("a", "2026-10-10", "2026-10-20")],
      history: [
        sent("a", "2026-10-12T11:00:00.000Z", "d0", "2026-10-12T12:00:00.000Z"),
        sent("a", "2025-01-12T11:00:00.000Z", "d3", "2025-01-12T12:00:00.000Z"), // outside the window
      ],
      promises: [
        { madeAt: "2026-10-18T12:00:00.000Z", until: "2026-10-21T03:00:00.000Z" }, // kept (paid 10-20)
        { madeAt: "2026-11-01T12:00:00.000Z", until: "2026-11-05T03:00:00.000Z" }, // broken
        { madeAt: "2026-11-23T12:00:00.000Z", until: "2026-11-26T03:00:00.000Z" }, // still running
      ],
    };
    const behaviour = paymentHistoryOf(facts, options).behaviour;
    expect(behaviour).toMatchObject({ brokenPromises: 1, replies: 1, invoices: 1 });
  });

  it("promises and replies alone (no paid invoice) still count; day features stay unknown", () => {
    const facts = {
      paid: [],
      history: [sent("x", "2026-11-01T11:00:00.000Z", "d0", "2026-11-01T12:00:00.000Z")],
      promises: [{ madeAt: "2026-11-01T12:00:00.000Z", until: "2026-11-04T03:00:00.000Z" }],
    };
    expect(paymentHistoryOf(facts, options).behaviour).toEqual({
      ...NO_BEHAVIOUR,
      brokenPromises: 1,
      replies: 1,
    });
  });
});

const policy = parsePolicy(
  `timezone: America/Sao_Paulo
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
catchUp: all
steps:
  - id: lembrete-d-3
    offsetDays: -3
    channel: wa
    template: { name: lembrete }
    conditions:
      # Customers who pay early do not need a reminder; new customers still get one.
      paymentHistory: { paidEarlyShare: { max: 0.8 }, minInvoices: 3, withoutHistory: fire }
  - id: firme-d-3
    offsetDays: -3
    channel: wa
    template: { name: firme }
    conditions:
      paymentHistory: { averageDaysLate: { min: 15 }, brokenPromises: { min: 1 } }
`,
  "policy.yaml",
);

function snapshot(behaviour: PaymentHistory["behaviour"]): CustomerSnapshot {
  return {
    customer: Customer.parse({ source: "erp", externalId: "C1", name: "Ana", phones: ["+5511987654321"] }),
    invoices: [
      Invoice.parse({
        source: "erp",
        externalId: "1",
        number: "1",
        customerRef: "C1",
        issueDate: "2026-11-01",
        dueDate: "2026-11-27",
        total: { amountMinor: 5000, currency: "BRL" },
        openAmount: { amountMinor: 5000, currency: "BRL" },
        status: "open",
      }),
    ],
    history: [],
    payments: { paidCount: behaviour?.invoices ?? 0, paidLateCount: 0, averageDaysLate: 0, behaviour },
    optedOut: false,
    pausedUntil: null,
  };
}

const early = { ...NO_BEHAVIOUR, invoices: 5, averageDaysLate: 0, p90DaysLate: 0, paidEarlyShare: 1 };
const chronic = {
  ...NO_BEHAVIOUR,
  invoices: 6,
  averageDaysLate: 21.5,
  p90DaysLate: 40,
  paidEarlyShare: 0,
  paidAfterReminderShare: 0.83,
  brokenPromises: 2,
  replies: 3,
};

describe("plan: paymentHistory conditions", () => {
  const run = (behaviour: PaymentHistory["behaviour"]) => plan(policy, [snapshot(behaviour)], new Date(NOW));

  it("skips the pre-due reminder for a customer who always pays early, saying the feature and its value", () => {
    const result = run(early);
    expect(result.actions).toEqual([]);
    const skip = result.skips.find((s) => s.stepId === "lembrete-d-3");
    expect(skip?.trace[0]?.reason).toBe("paidEarlyShare 1.00 > max 0.8");
    expect(result.skips.find((s) => s.stepId === "firme-d-3")?.trace[0]?.reason).toBe(
      "averageDaysLate 0 < min 15",
    );
  });

  it("a customer without history gets the reminder; the trace says the bound was not judged", () => {
    for (const behaviour of [undefined, NO_BEHAVIOUR]) {
      const [action] = run(behaviour).actions;
      expect(action?.stepId).toBe("lembrete-d-3");
      expect(action?.trace).toContainEqual({
        rule: "payment-history:lembrete-d-3",
        outcome: "fired",
        reason:
          "paidEarlyShare not judged: 0 paid invoices < minInvoices 3 (withoutHistory: fire); over the last 0 paid invoices",
      });
    }
  });

  it("a chronic late payer gets the firm step; the trace names every feature it used with its value", () => {
    const actions = run(chronic).actions.map((a) => a.stepId);
    expect(actions.sort()).toEqual(["firme-d-3", "lembrete-d-3"]);
    const firm = run(chronic).actions.find((a) => a.stepId === "firme-d-3");
    expect(firm?.trace).toContainEqual({
      rule: "payment-history:firme-d-3",
      outcome: "fired",
      reason: "averageDaysLate 21.5 (≥ 15); brokenPromises 2 (≥ 1); over the last 6 paid invoices",
    });
  });

  it("minInvoices with withoutHistory: skip (the default) fails day-based bounds for short histories", () => {
    const strict = parsePolicy(
      `timezone: America/Sao_Paulo
steps:
  - id: d0
    offsetDays: 0
    channel: wa
    template: { name: d0 }
    conditions: { paymentHistory: { p90DaysLate: { max: 5 }, minInvoices: 2 } }
`,
      "policy.yaml",
    );
    const result = plan(strict, [snapshot({ ...early, invoices: 1 })], new Date("2026-11-27T13:00:00Z"));
    expect(result.actions).toEqual([]);
    expect(result.skips[0]?.trace[0]?.reason).toBe(
      "p90DaysLate needs 2 paid invoices; the customer has 1 (withoutHistory: skip)",
    );
  });

  it("rejects empty and inverted bounds with the path of the bound", () => {
    const bad = (bound: string) => () =>
      parsePolicy(
        `timezone: America/Sao_Paulo
steps:
  - id: d0
    offsetDays: 0
    channel: wa
    template: { name: d0 }
    conditions: { paymentHistory: { paidEarlyShare: ${bound} } }
`,
        "policy.yaml",
      );
    expect(bad("{}")).toThrow(/paidEarlyShare.*needs min, max or both/s);
    expect(bad("{ min: 0.9, max: 0.1 }")).toThrow(/min must not exceed max/);
    expect(bad("{ max: 1.5 }")).toThrow(/paidEarlyShare/);
  });
});
