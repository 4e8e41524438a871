import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../src/actions.js";
import { Customer, type CustomerInput, Invoice } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { parsePolicy } from "../src/policy/index.js";

const policy = parsePolicy(
  `timezone: America/Sao_Paulo
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
catchUp: all
steps:
  - id: vip
    offsetDays: 1
    channel: wa
    template: { name: vip }
    conditions: { segments: [vip, gold], minCustomerValue: 100 }
  - id: late-payers
    offsetDays: 1
    channel: wa
    template: { name: late }
    conditions: { paymentHistory: { minPaidLateShare: 0.5 } }
  - id: punctual
    offsetDays: 1
    channel: wa
    template: { name: punctual }
    conditions: { paymentHistory: { maxPaidLateShare: 0.2, maxAverageDaysLate: 3 } }
  - id: small
    offsetDays: 1
    channel: wa
    template: { name: small }
    conditions: { maxOpenAmount: "100.00", minDaysOverdue: 1, maxDaysOverdue: 5 }
  - id: pause-after-60
    offsetDays: 60
    action: pause
    pauseDays: 30
`,
  "policy.yaml",
);

const now = new Date("2026-11-24T13:00:00Z");

function snapshot(
  customer: Partial<CustomerInput>,
  payments = { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
  dueDate = "2026-11-23",
  openMinor = 5000,
): CustomerSnapshot {
  return {
    customer: Customer.parse({
      source: "erp",
      externalId: "C1",
      name: "Ana",
      phones: ["+5511987654321"],
      ...customer,
    }),
    invoices: [
      Invoice.parse({
        source: "erp",
        externalId: "1",
        number: "1",
        customerRef: "C1",
        issueDate: "2026-01-01",
        dueDate,
        total: { amountMinor: openMinor, currency: "BRL" },
        openAmount: { amountMinor: openMinor, currency: "BRL" },
        status: "open",
      }),
    ],
    history: [],
    payments,
    optedOut: false,
    pausedUntil: null,
  };
}

const fired = (snap: CustomerSnapshot) =>
  plan(policy, [snap], now)
    .actions.map((a) => a.stepId)
    .sort();

describe("plan: step conditions", () => {
  it("segments and customer value", () => {
    expect(fired(snapshot({ segment: "vip", value: 150 }))).toContain("vip");
    expect(fired(snapshot({ segment: "vip", value: 50 }))).not.toContain("vip");
    expect(fired(snapshot({ segment: "retail", value: 150 }))).not.toContain("vip");
    expect(fired(snapshot({ segment: null, value: null }))).not.toContain("vip");
  });

  it("payment history: share paid late and average days late", () => {
    const late = { paidCount: 4, paidLateCount: 3, averageDaysLate: 12 };
    const punctual = { paidCount: 10, paidLateCount: 1, averageDaysLate: 1 };
    expect(fired(snapshot({}, late))).toEqual(expect.arrayContaining(["late-payers"]));
    expect(fired(snapshot({}, late))).not.toContain("punctual");
    expect(fired(snapshot({}, punctual))).toContain("punctual");
    expect(fired(snapshot({}, punctual))).not.toContain("late-payers");
    // No history at all: nobody paid late.
    expect(fired(snapshot({}))).toContain("punctual");
  });

  it("open amount ceiling and days-overdue range", () => {
    expect(fired(snapshot({}, undefined, "2026-11-23", 10000))).toContain("small");
    expect(fired(snapshot({}, undefined, "2026-11-23", 10001))).not.toContain("small");
    expect(fired(snapshot({}, undefined, "2026-11-10"))).not.toContain("small"); // 14 days overdue > 5
  });

  it("a pause step plans a pause action due now, carrying its length", () => {
    const result = plan(policy, [snapshot({}, undefined, "2026-09-20")], now);
    const pause = result.actions.find((a) => a.kind === "pause");
    expect(pause).toMatchObject({
      stepId: "pause-after-60",
      channel: null,
      template: null,
      dueAt: now.toISOString(),
      expiresAt: null,
      payload: { offsetDays: 60, pauseDays: 30, dueDate: "2026-09-20" },
    });
  });
});
