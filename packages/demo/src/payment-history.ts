import type { Customer, Invoice, Payment } from "@regua/core";
import { generatePaymentHistory, type PaymentProfile } from "@regua/test-fixtures";

/**
 * `regua score --demo` and `regua simulate --backtest --demo`: @regua/test-fixtures' seeded payment
 * history (30 months of monthly invoices; early, punctual, seasonal, chronic late, escalation-only
 * and defaulting customers) as canonical records, mapped the way a connector's map.ts would.
 */
export interface DemoPaymentHistory {
  customers: Customer[];
  invoices: Invoice[];
  payments: Payment[];
  profiles: Record<string, PaymentProfile>;
}

/** "1234.56" → 123456, exactly (no float arithmetic). */
function minor(decimal: string): number {
  const [units = "0", cents = ""] = decimal.split(".");
  return Number(units) * 100 + Number(cents.padEnd(2, "0").slice(0, 2));
}

export function demoPaymentHistory(options: {
  source: string;
  seed: number;
  customers: number;
  today: string;
}): DemoPaymentHistory {
  const { source } = options;
  const data = generatePaymentHistory(options);
  const customers = data.customers.map(
    (c): Customer => ({
      source,
      externalId: c.code,
      raw: c,
      name: c.name,
      taxId: c.taxId,
      taxIdKind: c.kind,
      country: "BR",
      phones: [c.phone],
      email: c.email,
      language: "pt-BR",
      segment: c.segment,
      tags: [],
      value: c.value,
      consent: "unknown",
      optedOutAt: null,
      customFields: { city: c.city, state: c.state },
      updatedAt: c.updatedAt,
    }),
  );
  const invoices = data.invoices.map((i): Invoice => {
    const total = minor(i.total);
    const paid = minor(i.paid);
    return {
      source,
      externalId: String(i.id),
      raw: i,
      number: i.number,
      customerRef: i.customerCode,
      issueDate: i.issueDate,
      dueDate: i.dueDate,
      total: { amountMinor: total, currency: i.currency },
      openAmount: { amountMinor: total - paid, currency: i.currency },
      status: i.status === "paid" ? "paid" : "open",
      instruments: { boletoLine: null, pixCode: null, payLink: null, documentUrl: null },
      updatedAt: i.updatedAt,
    };
  });
  const payments = data.payments.map(
    (p): Payment => ({
      source,
      externalId: String(p.id),
      raw: p,
      customerRef: p.customerCode,
      date: p.date,
      amount: { amountMinor: minor(p.amount), currency: "BRL" },
      allocations: p.allocations.map((a) => ({
        invoiceRef: String(a.invoiceId),
        amount: { amountMinor: minor(a.amount), currency: "BRL" },
      })),
      updatedAt: null,
    }),
  );
  return { customers, invoices, payments, profiles: data.profiles };
}
