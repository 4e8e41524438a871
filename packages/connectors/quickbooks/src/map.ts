import { customerDefaults } from "@regua/connector-kit";
import {
  type Customer,
  classifyTaxId,
  type Invoice,
  type InvoiceStatus,
  type Money,
  normalizePhone,
  type Payment,
  toMinorUnits,
} from "@regua/core";
import type * as Qbo from "./schemas.js";
import { dueDateFromTerm } from "./terms.js";

/** A record that cannot be mapped: becomes a reject naming the field. */
export class MappingError extends Error {}

export interface MapContext {
  source: string;
  homeCurrency: string;
  defaultRegion: string;
  /** Sales terms by Id, for invoices without a DueDate. */
  terms: ReadonlyMap<string, Qbo.Term>;
  /** Unapplied payments and open credit memos per customer, in the home currency. */
  credits?: ReadonlyMap<string, number>;
  warn?: (entity: string, id: string, message: string) => void;
}

function amount(value: number, currency: string, field: string): Money {
  try {
    return { amountMinor: toMinorUnits(value, currency), currency };
  } catch {
    throw new MappingError(`${field}: ${value} is not an amount in ${currency}`);
  }
}

/** "XXXXXX6789": QuickBooks masks tax ids in answers on some companies; a masked one is no id. */
const MASKED = /[X*•]{3,}/i;

function taxIdOf(c: Qbo.Customer, country: string | null, ctx: MapContext) {
  const raw = c.PrimaryTaxIdentifier;
  if (!raw || MASKED.test(raw)) return { taxId: null, taxIdKind: null };
  const result = classifyTaxId(raw, country ?? ctx.defaultRegion);
  if ("error" in result) {
    ctx.warn?.("customer", c.Id, `PrimaryTaxIdentifier dropped: ${result.error}`);
    return { taxId: null, taxIdKind: null };
  }
  return result;
}

export function mapCustomer(c: Qbo.Customer, ctx: MapContext): Customer {
  const country = /^[A-Z]{2}$/.test(c.BillAddr?.Country ?? "") ? (c.BillAddr?.Country as string) : null;
  const region = (country ?? ctx.defaultRegion) as Parameters<typeof normalizePhone>[1];
  const phones = [c.Mobile, c.PrimaryPhone, c.AlternatePhone]
    .map((p) => normalizePhone(p?.FreeFormNumber, region))
    .filter((p): p is string => p !== null);
  const email = c.PrimaryEmailAddr?.Address?.trim() || null;
  const credit = ctx.credits?.get(c.Id);
  return {
    source: ctx.source,
    externalId: c.Id,
    raw: c,
    name: c.DisplayName,
    ...taxIdOf(c, country, ctx),
    country,
    phones: [...new Set(phones)],
    email: email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) ? email : null,
    language: null,
    ...customerDefaults(),
    tags: c.Active === false ? ["inactive"] : [],
    customFields: c.CompanyName ? { companyName: c.CompanyName } : {},
    ...(credit !== undefined
      ? { unappliedCredit: amount(credit, ctx.homeCurrency, "unapplied credit") }
      : {}),
    updatedAt: c.MetaData.LastUpdatedTime,
  };
}

/**
 * Paid, part paid, open, or cancelled. A voided invoice keeps its lines with every amount set
 * to 0 (TotalAmt 0, Balance 0, "Voided" in the memo): it must stop the sequence as cancelled,
 * never as paid. A paid one keeps its TotalAmt with Balance 0.
 */
export function invoiceStatus(inv: Qbo.Invoice): InvoiceStatus {
  const voided = inv.TotalAmt === 0 && (inv.PrivateNote?.startsWith("Voided") || !hasPayment(inv));
  if (voided) return "cancelled";
  if (inv.Balance <= 0) return "paid";
  return inv.Balance < inv.TotalAmt ? "partially_paid" : "open";
}

function hasPayment(inv: Qbo.Invoice): boolean {
  return (inv.LinkedTxn ?? []).some((t) => t.TxnType === "Payment");
}

function dueDateOf(inv: Qbo.Invoice, ctx: MapContext): string {
  if (inv.DueDate) return inv.DueDate;
  const termId = inv.SalesTermRef?.value;
  const term = termId ? ctx.terms.get(termId) : undefined;
  const fromTerm = term ? dueDateFromTerm(inv.TxnDate, term) : null;
  if (fromTerm) return fromTerm;
  ctx.warn?.(
    "invoice",
    inv.Id,
    `no DueDate and no usable SalesTermRef (${termId ?? "none"}): due on TxnDate`,
  );
  return inv.TxnDate;
}

export function mapInvoice(inv: Qbo.Invoice, ctx: MapContext): Invoice {
  const currency = inv.CurrencyRef?.value ?? ctx.homeCurrency;
  const foreign = currency !== ctx.homeCurrency;
  const rate = inv.ExchangeRate ?? 1;
  const homeTotal = inv.HomeTotalAmt ?? inv.TotalAmt * rate;
  const homeBalance = inv.HomeBalance ?? inv.Balance * rate;
  return {
    source: ctx.source,
    externalId: inv.Id,
    raw: inv,
    number: inv.DocNumber || inv.Id,
    customerRef: inv.CustomerRef.value,
    issueDate: inv.TxnDate,
    dueDate: dueDateOf(inv, ctx),
    total: amount(inv.TotalAmt, currency, "TotalAmt"),
    openAmount: amount(Math.max(0, inv.Balance), currency, "Balance"),
    status: invoiceStatus(inv),
    instruments: {
      boletoLine: null,
      pixCode: null,
      payLink: inv.InvoiceLink && /^https?:\/\//.test(inv.InvoiceLink) ? inv.InvoiceLink : null,
      documentUrl: null,
    },
    ...(foreign
      ? {
          companyTotal: amount(Math.round(homeTotal * 100) / 100, ctx.homeCurrency, "HomeTotalAmt"),
          companyOpenAmount: amount(
            Math.max(0, Math.round(homeBalance * 100) / 100),
            ctx.homeCurrency,
            "HomeBalance",
          ),
        }
      : {}),
    updatedAt: inv.MetaData.LastUpdatedTime,
  };
}

/** Line[].LinkedTxn with TxnType "Invoice" are the allocations; UnappliedAmt stays on the customer. */
export function mapPayment(p: Qbo.Payment, ctx: MapContext): Payment {
  const currency = p.CurrencyRef?.value ?? ctx.homeCurrency;
  const allocations = (p.Line ?? []).flatMap((line) =>
    (line.LinkedTxn ?? [])
      .filter((t) => t.TxnType === "Invoice")
      .map((t) => ({ invoiceRef: t.TxnId, amount: amount(line.Amount, currency, "Line.Amount") })),
  );
  return {
    source: ctx.source,
    externalId: p.Id,
    raw: p,
    customerRef: p.CustomerRef?.value ?? null,
    date: p.TxnDate,
    amount: amount(p.TotalAmt, currency, "TotalAmt"),
    allocations,
    updatedAt: p.MetaData.LastUpdatedTime,
  };
}
