import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { invoiceStatus, mapInvoice } from "../src/map.js";
import { Invoice } from "../src/schemas.js";
import { dueDateFromTerm } from "../src/terms.js";

const term = (fields: object) => ({ Id: "9", ...fields });

describe("due dates from sales terms (Term reference)", () => {
  it("STANDARD: DueDays after the transaction date, across months and leap years", () => {
    expect(dueDateFromTerm("2026-01-31", term({ DueDays: 30 }))).toBe("2026-03-02");
    expect(dueDateFromTerm("2028-02-15", term({ DueDays: 15 }))).toBe("2028-03-01");
    expect(dueDateFromTerm("2026-03-15", term({ DueDays: 0 }))).toBe("2026-03-15");
  });

  it("DATE_DRIVEN: DayOfMonthDue this month, or next month inside DueNextMonthDays or after the day", () => {
    const dia10 = term({ DayOfMonthDue: 10, DueNextMonthDays: 5 });
    expect(dueDateFromTerm("2026-03-01", dia10)).toBe("2026-03-10");
    expect(dueDateFromTerm("2026-03-05", dia10)).toBe("2026-04-10"); // 5 days before: next month
    expect(dueDateFromTerm("2026-03-12", dia10)).toBe("2026-04-10");
    expect(dueDateFromTerm("2026-12-20", dia10)).toBe("2027-01-10");
    expect(dueDateFromTerm("2026-01-10", term({ DayOfMonthDue: 31 }))).toBe("2026-01-31");
    expect(dueDateFromTerm("2026-02-10", term({ DayOfMonthDue: 31 }))).toBe("2026-02-28"); // the month's last day
    expect(dueDateFromTerm("2026-02-10", term({}))).toBeNull();
  });

  it("maps Intuit's sample invoice: DueDate kept, open, amounts in minor units", () => {
    const sample = JSON.parse(readFileSync(new URL("./fixtures/invoice-read.json", import.meta.url), "utf8"));
    const parsed = Invoice.parse(sample.Invoice);
    const ctx = { source: "qbo", homeCurrency: "USD", defaultRegion: "US", terms: new Map() };
    const invoice = mapInvoice(parsed, ctx);
    expect(invoice).toMatchObject({
      externalId: "130",
      number: "1037",
      customerRef: "24",
      issueDate: "2014-09-19",
      dueDate: "2014-10-19",
      total: { amountMinor: 36207, currency: "USD" },
      openAmount: { amountMinor: 36207, currency: "USD" },
      status: "open",
      updatedAt: "2014-09-19T13:16:17-07:00",
    });
    // Without DueDate, its term "3" (Net 30) gives the same day.
    const undated = Invoice.parse({ ...sample.Invoice, DueDate: undefined });
    const net30 = new Map([["3", term({ Id: "3", DueDays: 30 })]]);
    expect(mapInvoice(undated, { ...ctx, terms: net30 }).dueDate).toBe("2014-10-19");
  });

  it("tells a void from a payment: both have Balance 0", () => {
    const base = Invoice.parse(
      JSON.parse(readFileSync(new URL("./fixtures/invoice-read.json", import.meta.url), "utf8")).Invoice,
    );
    expect(invoiceStatus({ ...base, Balance: 0 })).toBe("paid");
    expect(invoiceStatus({ ...base, Balance: 100 })).toBe("partially_paid");
    expect(invoiceStatus({ ...base, TotalAmt: 0, Balance: 0, PrivateNote: "Voided" })).toBe("cancelled");
    const paidThenVoided = {
      ...base,
      TotalAmt: 0,
      Balance: 0,
      LinkedTxn: [{ TxnId: "5", TxnType: "Payment" }],
    };
    expect(invoiceStatus({ ...paidThenVoided, PrivateNote: "Voided - cliente desistiu" })).toBe("cancelled");
  });
});
