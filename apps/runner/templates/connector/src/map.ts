import {
  type Customer,
  classifyTaxId,
  type Invoice,
  type InvoiceStatus,
  normalizePhone,
  type Payment,
  toMinorUnits,
  ValidationError,
} from "@regua/core";
import type { AcmeCustomer, AcmeInvoice, AcmePayment } from "./schemas.js";

export interface MapContext {
  /** The source id from regua.yaml (`ctx.instanceId`): every record carries it. */
  source: string;
  /** Currency of documents that carry none. */
  currency: string;
}

/** Vendor customer → core Customer. A malformed tax id rejects the row, naming the field. */
export function mapCustomer(row: AcmeCustomer, ctx: MapContext): Customer {
  const tax = classifyTaxId(row.tax_id, "BR");
  if ("error" in tax) throw new ValidationError(`tax_id: ${tax.error}`, [], { where: `customer ${row.id}` });
  const phone = normalizePhone(row.phone);
  return {
    source: ctx.source,
    externalId: row.id,
    raw: row,
    name: row.name,
    taxId: tax.taxId,
    taxIdKind: tax.taxIdKind,
    country: "BR",
    phones: phone ? [phone] : [],
    email: row.email,
    language: null,
    segment: null,
    tags: [],
    value: null,
    consent: "unknown",
    optedOutAt: null,
    customFields: {},
    updatedAt: row.updated_at,
  };
}

/** Acme says open/paid/cancelled; an open invoice with something paid is partially paid. */
function statusOf(row: AcmeInvoice, totalMinor: number, openMinor: number): InvoiceStatus {
  if (row.status === "cancelled") return "cancelled";
  if (row.status === "paid" || openMinor === 0) return "paid";
  return openMinor < totalMinor ? "partially_paid" : "open";
}

/** Vendor invoice → core Invoice: decimal strings become integer minor units, never floats. */
export function mapInvoice(row: AcmeInvoice, ctx: MapContext): Invoice {
  const currency = row.currency ?? ctx.currency;
  const total = toMinorUnits(row.total, currency);
  const open = row.status === "cancelled" ? 0 : toMinorUnits(row.balance, currency);
  return {
    source: ctx.source,
    externalId: row.id,
    raw: row,
    number: row.number,
    customerRef: row.customer_id,
    issueDate: row.issued_on,
    dueDate: row.due_on,
    total: { amountMinor: total, currency },
    openAmount: { amountMinor: open, currency },
    status: statusOf(row, total, open),
    instruments: { boletoLine: row.barcode, pixCode: null, payLink: null, documentUrl: null },
    updatedAt: row.updated_at,
  };
}

export function mapPayment(row: AcmePayment, ctx: MapContext): Payment {
  const currency = row.currency ?? ctx.currency;
  const amount = { amountMinor: toMinorUnits(row.amount, currency), currency };
  return {
    source: ctx.source,
    externalId: row.id,
    raw: row,
    customerRef: row.customer_id,
    date: row.paid_on,
    amount,
    allocations: row.invoice_id ? [{ invoiceRef: row.invoice_id, amount }] : [],
    updatedAt: row.updated_at,
  };
}
