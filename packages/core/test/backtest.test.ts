import { describe, expect, it } from "vitest";
import { Customer } from "../src/model.js";
import { parsePolicy } from "../src/policy/index.js";
import { backtest, type CustomerPaymentFacts } from "../src/risk/index.js";

const policy = (conditions = "{}") =>
  parsePolicy(
    `timezone: America/Sao_Paulo
window: { sat: "08:00-20:00", sun: "08:00-20:00" }
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
steps:
  - id: d0
    offsetDays: 0
    channel: wa
    template: { name: d0 }
    conditions: ${conditions}
  - id: d5
    offsetDays: 5
    channel: wa
    template: { name: d5 }
`,
    "policy.yaml",
  );

const customer = Customer.parse({ source: "erp", externalId: "C1", name: "Ana", phones: ["+5511987654321"] });
const facts: CustomerPaymentFacts = {
  source: "erp",
  customerRef: "C1",
  invoices: [
    { externalId: "A", dueDate: "2026-10-10", amountMinor: 10_000, paidOn: "2026-10-12" },
    { externalId: "B", dueDate: "2026-10-20", amountMinor: 20_000, paidOn: null },
    // Paid before its due date: no message reaches it.
    { externalId: "C", dueDate: "2026-10-28", amountMinor: 30_000, paidOn: "2026-10-25" },
  ],
  history: [],
  promises: [],
};
const range = { from: "2026-10-01", to: "2026-10-31", attributionDays: 15 };

describe("backtest", () => {
  it("replays the days with invoices open until they were really paid, and attributes payments to messages", () => {
    const result = backtest(policy(), [{ customer, facts }], { ...range, riskModel: null });
    // A: D0 (paid two days later, so no D+5); B: D0 and D+5; C: paid before its D0.
    expect(result).toEqual({
      days: 31,
      messages: 3,
      escalations: 0,
      contactedInvoices: 2,
      recoveredMinor: 10_000,
      recoveredInvoices: 1,
      paidWithoutContactMinor: 30_000,
    });
  });

  it("a payment later than the attribution window is not counted as recovered", () => {
    const result = backtest(policy(), [{ customer, facts }], {
      ...range,
      riskModel: null,
      attributionDays: 1,
    });
    expect(result.recoveredMinor).toBe(0);
  });

  it("without a model, steps that need the score never fire", () => {
    const scored = backtest(policy("{ riskScore: { min: 0.5 } }"), [{ customer, facts }], {
      ...range,
      riskModel: null,
    });
    // Only B's D+5 is left.
    expect(scored.messages).toBe(1);
    expect(scored.recoveredMinor).toBe(0);
  });
});
