// Canonical records from @regua/test-fixtures' seeded generator, mapped the way a connector's
// map.ts would (decimal strings → integer minor units, "cancelled" → void). Erasable TS only:
// `node bench/*.ts` runs this file by type stripping.
import type { Customer, Invoice, Payment } from "@regua/core";
import {
  createFaker,
  type GeneratedCustomer,
  type GeneratedInvoice,
  type GeneratedPayment,
  generateCustomers,
  generateInvoices,
  paymentsFor,
} from "@regua/test-fixtures";

export const SOURCE = "bench";
export const TODAY = "2026-03-10";

/** "1234.56" → 123456, exactly (no float arithmetic). */
function minor(decimal: string): number {
  const [units = "0", cents = ""] = decimal.split(".");
  return Number(units) * 100 + Number(cents.padEnd(2, "0").slice(0, 2));
}

export function toCustomer(c: GeneratedCustomer): Customer {
  return {
    source: SOURCE,
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
  };
}

export function toInvoice(i: GeneratedInvoice): Invoice {
  const total = minor(i.total);
  const paid = minor(i.paid);
  const status =
    i.status === "cancelled" ? "void" : i.status === "paid" ? "paid" : paid > 0 ? "partially_paid" : "open";
  return {
    source: SOURCE,
    externalId: String(i.id),
    raw: process.env.BENCH_NO_RAW ? undefined : i,
    number: i.number,
    customerRef: i.customerCode,
    issueDate: i.issueDate,
    dueDate: i.dueDate,
    total: { amountMinor: total, currency: i.currency },
    openAmount: { amountMinor: status === "void" ? 0 : total - paid, currency: i.currency },
    status,
    instruments: { boletoLine: i.boletoLine, pixCode: i.pixCode, payLink: null, documentUrl: null },
    updatedAt: i.updatedAt,
  };
}

export function toPayment(p: GeneratedPayment): Payment {
  return {
    source: SOURCE,
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
  };
}

export interface BenchData {
  customers: Customer[];
  invoices: Invoice[];
  payments: Payment[];
}

export function generate(options: {
  seed: number;
  customers: number;
  invoicesPerCustomer: number;
  paidShare: number;
}): BenchData {
  const faker = createFaker(options.seed);
  const generatedCustomers = [...generateCustomers(faker, options.customers, TODAY)];
  const generatedInvoices = [
    ...generateInvoices(faker, generatedCustomers, {
      today: TODAY,
      invoicesPerCustomer: options.invoicesPerCustomer,
      paidShare: options.paidShare,
    }),
  ];
  const payments = [...paymentsFor(generatedInvoices, faker)].map(toPayment);
  return {
    customers: generatedCustomers.map(toCustomer),
    invoices: generatedInvoices.map(toInvoice),
    payments,
  };
}

export function* pages<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function currentRssMb(): number {
  return Math.round(process.memoryUsage().rss / 1024 / 1024);
}
