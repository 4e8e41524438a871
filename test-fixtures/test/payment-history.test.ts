import { describe, expect, it } from "vitest";
import { generatePaymentHistory, PAYMENT_PROFILES, type PaymentProfile } from "../src/index.js";

const TODAY = "2026-12-01";
const DAY_MS = 86_400_000;
const data = generatePaymentHistory({ seed: 3, customers: 600, today: TODAY });
const paidOn = new Map(data.payments.map((p) => [p.allocations[0]?.invoiceId, p.date]));

/** Days late of the paid invoices of one profile, optionally only those due in some months. */
function daysLate(profile: PaymentProfile, months?: number[]): number[] {
  return data.invoices.flatMap((invoice) => {
    const paid = paidOn.get(invoice.id);
    if (data.profiles[invoice.customerCode] !== profile || paid === undefined) return [];
    if (months && !months.includes(Number(invoice.dueDate.slice(5, 7)))) return [];
    return [(Date.parse(paid) - Date.parse(invoice.dueDate)) / DAY_MS];
  });
}
const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
const share = (values: number[], test: (v: number) => boolean) => values.filter(test).length / values.length;

describe("generatePaymentHistory", () => {
  it("is seeded: the same seed gives the same history", () => {
    const again = generatePaymentHistory({ seed: 3, customers: 600, today: TODAY });
    expect(again.invoices).toEqual(data.invoices);
    expect(generatePaymentHistory({ seed: 4, customers: 600, today: TODAY }).payments).not.toEqual(
      data.payments,
    );
  });

  it("gives every profile a share of the customers and 30 months of monthly invoices", () => {
    for (const profile of PAYMENT_PROFILES) {
      expect(Object.values(data.profiles).filter((p) => p === profile).length).toBeGreaterThan(20);
    }
    const first = data.invoices.filter((i) => i.customerCode === "C000001");
    expect(first.length).toBeGreaterThanOrEqual(30);
    expect(first.every((i) => i.dueDate <= "2026-12-31")).toBe(true);
  });

  it("chronic late payers are weeks late, early payers early, escalation-only payers after D+15", () => {
    expect(mean(daysLate("early"))).toBeLessThan(0);
    expect(mean(daysLate("chronic"))).toBeGreaterThan(20);
    expect(share(daysLate("afterEscalation"), (d) => d > 15)).toBeGreaterThan(0.8);
    expect(share(daysLate("punctual"), (d) => d <= 15)).toBeGreaterThan(0.95);
  });

  it("seasonal payers are late in January–March and early in December", () => {
    expect(mean(daysLate("seasonal", [1, 2, 3]))).toBeGreaterThan(15);
    expect(mean(daysLate("seasonal", [12]))).toBeLessThan(0);
    expect(mean(daysLate("seasonal", [5, 6, 7, 8, 9, 10]))).toBeLessThan(5);
  });

  it("nothing is paid after today; the unpaid stay open and defaulters leave some unpaid for good", () => {
    expect(data.payments.every((p) => p.date <= TODAY)).toBe(true);
    const open = data.invoices.filter((i) => i.status === "open");
    expect(open.every((i) => !paidOn.has(i.id))).toBe(true);
    const oldDefaulted = open.filter(
      (i) => data.profiles[i.customerCode] === "defaulter" && i.dueDate < "2026-06-01",
    );
    expect(oldDefaulted.length).toBeGreaterThan(0);
  });
});
