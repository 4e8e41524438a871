import { customerDefaults } from "@regua/connector-kit";
import {
  type CollectionActivity,
  CurrencyCode,
  type Customer,
  classifyTaxId,
  type Installment,
  type Invoice,
  type InvoiceStatus,
  isDunnable,
  type Money,
  normalizePhone,
  type Payment,
  toMinorUnits,
  ValidationError,
} from "@regua/core";
import type { AccountPayment, Many2one, Move, Partner, TermLine } from "./schemas.js";

/**
 * Pure Odoo → canonical mapping. A field that cannot be mapped throws a core ValidationError whose
 * one issue names the field; pages.ts turns it into a RecordReject (the sync goes on).
 */
export function unmappable(field: string, message: string): ValidationError {
  return new ValidationError(`${field}: ${message}`, [{ path: field, message }], { reason: "mapping" });
}

export interface MapContext {
  /** The source instance id records are stamped with. */
  source: string;
  defaultRegion: string;
  /** A field left out of a record that is otherwise synced (an invalid CPF/CNPJ). */
  warn?: (warning: { entity: "customers"; externalId: string; field: string; message: string }) => void;
}

/** Datetime.to_string is UTC without a zone: "2026-03-15 14:05:00" → "2026-03-15T14:05:00Z". */
export function stampIso(stamp: string): string {
  return `${stamp.replace(" ", "T")}Z`;
}

const knownCurrencies = new Map<string, boolean>();

/** res.currency's name is its ISO 4217 code ("BRL"): the many2one's display name. */
function currencyOf(value: Many2one, field: string): string {
  const code = value?.name ?? "";
  let known = knownCurrencies.get(code);
  if (known === undefined) {
    known = CurrencyCode.safeParse(code).success;
    knownCurrencies.set(code, known);
  }
  if (!known) throw unmappable(field, `"${code}" is not an ISO 4217 currency`);
  return code;
}

function money(value: number, currency: string, field: string): Money {
  try {
    return { amountMinor: toMinorUnits(value, currency), currency };
  } catch (error) {
    throw unmappable(field, (error as Error).message);
  }
}

/**
 * payment_state and state → status (account_move.py _compute_payment_state): in_payment is a
 * registered payment waiting for the bank statement — the customer paid, so the sequence stops;
 * reversed (a credit note took it back) and cancelled are not owed; blocked (18+) pauses, which
 * core calls disputed (kept under dunning, skipped by the planner with the reason); a draft that
 * was posted before (reset to draft) is not owed until it is posted again.
 */
export function invoiceStatus(move: Pick<Move, "state" | "payment_state">): InvoiceStatus {
  if (move.state === "cancel") return "cancelled";
  if (move.state === "draft") return "void";
  switch (move.payment_state) {
    case "paid":
    case "in_payment":
      return "paid";
    case "reversed":
      return "cancelled";
    case "blocked":
      return "disputed";
    case "partial":
      return "partially_paid";
    default:
      return "open";
  }
}

const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;

export function mapCustomer(partner: Partner, context: MapContext): Customer {
  const name = partner.name?.trim();
  if (!name) throw unmappable("name", "is empty");
  const country = partner.country_code?.toUpperCase() ?? null;
  const region = (country ?? context.defaultRegion) as Parameters<typeof normalizePhone>[1];
  const phones = [partner.mobile, partner.phone]
    .map((raw) => normalizePhone(raw, region))
    .filter((phone, i, all): phone is string => phone !== null && all.indexOf(phone) === i);
  const email = (partner.email ?? "").split(/[;,\s]+/).find((part) => EMAIL.test(part)) ?? null;
  const tax = classifyTaxId(partner.vat, country ?? context.defaultRegion);
  if ("error" in tax) {
    context.warn?.({
      entity: "customers",
      externalId: String(partner.id),
      field: "vat",
      message: "is neither a valid CPF nor a valid CNPJ (check digits); synced without a tax id",
    });
  }
  return {
    source: context.source,
    externalId: String(partner.id),
    raw: partner,
    name,
    taxId: "error" in tax ? null : tax.taxId,
    taxIdKind: "error" in tax ? null : tax.taxIdKind,
    country,
    phones,
    email: email?.toLowerCase() ?? null,
    // res.lang codes are "pt_BR"; BCP 47 writes "pt-BR".
    language: partner.lang ? partner.lang.replace("_", "-") : null,
    ...customerDefaults(),
    updatedAt: stampIso(partner.write_date),
  };
}

/** Each receivable line is one due date; amounts in the document currency (amount_currency). */
function installmentsOf(terms: TermLine[], currency: string, status: InvoiceStatus): Installment[] {
  return terms.map((line, index) => {
    if (!line.date_maturity) throw unmappable(`payment_term line ${line.id}.date_maturity`, "is empty");
    const amount = money(Math.abs(line.amount_currency), currency, "amount_currency");
    const open = isDunnable(status)
      ? money(Math.abs(line.amount_residual_currency), currency, "amount_residual_currency")
      : { amountMinor: 0, currency };
    const lineStatus: InvoiceStatus = !isDunnable(status)
      ? status
      : open.amountMinor === 0
        ? "paid"
        : open.amountMinor < amount.amountMinor
          ? "partially_paid"
          : status === "disputed"
            ? "disputed"
            : "open";
    return { number: index + 1, dueDate: line.date_maturity, amount, openAmount: open, status: lineStatus };
  });
}

/**
 * An out_invoice in its own currency (amount_total, amount_residual), with the company-currency
 * amounts (the *_signed fields) when the document is in another currency, and one installment per
 * due date when its payment terms have several. Dunned as the commercial entity.
 */
export function mapInvoice(move: Move, terms: TermLine[], context: MapContext): Invoice {
  const customer = move.commercial_partner_id ?? move.partner_id;
  if (!customer) throw unmappable("partner_id", "is empty");
  if (!move.invoice_date) throw unmappable("invoice_date", "is empty");
  const currency = currencyOf(move.currency_id, "currency_id");
  const status = invoiceStatus(move);
  const total = money(move.amount_total, currency, "amount_total");
  const open = isDunnable(status)
    ? money(move.amount_residual, currency, "amount_residual")
    : { amountMinor: 0, currency };
  const invoice: Invoice = {
    source: context.source,
    externalId: String(move.id),
    raw: move,
    number: move.name && move.name !== "/" ? move.name : `#${move.id}`,
    customerRef: String(customer.id),
    issueDate: move.invoice_date,
    dueDate: move.invoice_date_due ?? move.invoice_date,
    total,
    openAmount: open,
    status,
    instruments: { boletoLine: null, pixCode: null, payLink: null, documentUrl: null },
    updatedAt: stampIso(move.write_date),
  };
  const company = move.company_currency_id
    ? currencyOf(move.company_currency_id, "company_currency_id")
    : currency;
  if (company !== currency) {
    invoice.companyTotal = money(Math.abs(move.amount_total_signed), company, "amount_total_signed");
    invoice.companyOpenAmount = isDunnable(status)
      ? money(Math.abs(move.amount_residual_signed), company, "amount_residual_signed")
      : { amountMinor: 0, currency: company };
  }
  if (terms.length > 1) invoice.installments = installmentsOf(terms, currency, status);
  return invoice;
}

/**
 * A customer payment in its currency. account.payment does not say how much went to each invoice
 * when it paid several (that is in account.partial.reconcile): one invoice gets the whole amount,
 * several get no allocation here (their own payment_state and residual already say it).
 */
export function mapPayment(payment: AccountPayment, context: MapContext): Payment {
  const currency = currencyOf(payment.currency_id, "currency_id");
  const amount = money(payment.amount, currency, "amount");
  const [only, ...more] = payment.reconciled_invoice_ids;
  return {
    source: context.source,
    externalId: String(payment.id),
    raw: payment,
    customerRef: payment.partner_id ? String(payment.partner_id.id) : null,
    date: payment.date,
    amount,
    allocations: only !== undefined && more.length === 0 ? [{ invoiceRef: String(only), amount }] : [],
    updatedAt: stampIso(payment.write_date),
  };
}

/** The text of the chatter note / activity: what was sent, through which channel, its status. */
export function activityText(activity: CollectionActivity, marker: string): string {
  const lines = [
    activity.subject,
    `status: ${activity.kind}`,
    activity.channel ? `channel: ${activity.channel}` : null,
    activity.providerMessageId ? `message id: ${activity.providerMessageId}` : null,
    `at: ${activity.occurredAt}`,
    activity.details ? `\n${activity.details}` : null,
    marker,
  ];
  return lines.filter((line): line is string => line !== null).join("\n");
}
