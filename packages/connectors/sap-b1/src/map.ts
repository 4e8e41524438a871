import { customerDefaults } from "@regua/connector-kit";
import {
  type CollectionActivity,
  CurrencyCode,
  type Customer,
  classifyTaxId,
  currencyExponent,
  epochDay,
  type Invoice,
  type InvoiceStatus,
  isDunnable,
  normalizePhone,
  type Payment,
  toMinorUnits,
  zonedInstant,
} from "@regua/core";
import type { SapB1Options } from "./options.js";
import type { BusinessPartner, Document, IncomingPayment } from "./schemas.js";

/** Pure Service Layer → canonical mapping. A thrown MappingError becomes a RecordReject. */
export class MappingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

export interface Stamp {
  date: string;
  time: string;
}

/** UpdateDate ("2026-01-31" or "2026-01-31T00:00:00Z") + UpdateTime ("14:05:00"). */
export function stampOf(row: { UpdateDate?: string | null; UpdateTime?: string | null }): Stamp | null {
  if (!row.UpdateDate) return null;
  const time = (row.UpdateTime ?? "00:00:00").slice(0, 8);
  return { date: row.UpdateDate.slice(0, 10), time: time.length === 5 ? `${time}:00` : time };
}

export function laterStamp(a: Stamp | null, b: Stamp | null): Stamp | null {
  if (!a) return b;
  if (!b) return a;
  // Dates are always 10 characters, so this orders as `${date}T${time}` does, without the strings.
  return a.date > b.date || (a.date === b.date && a.time >= b.time) ? a : b;
}

/**
 * Service Layer stamps are the company server's local date and time without a zone; they are
 * converted from `serverTimeZone` (default UTC, where the wall clock is the instant).
 */
export function stampIso(stamp: Stamp | null, timeZone: string): string | null {
  if (!stamp) return null;
  if (timeZone === "UTC") return `${stamp.date}T${stamp.time}Z`;
  const [hours = 0, minutes = 0, seconds = 0] = stamp.time.split(":").map(Number);
  const instant = zonedInstant(epochDay(stamp.date), hours * 60 + minutes, timeZone) + seconds * 1000;
  return new Date(instant).toISOString();
}

interface CurrencyInfo {
  code: string;
  /** 10 ** the currency's exponent (BRL 100, JPY 1). */
  scale: number;
}

/** A decimal as minor units. v2 sends Edm.Decimal as a JSON number; when that number times the
 * scale rounds to an integer that divides back to exactly the same double, it has no digits past
 * the currency's exponent and that integer is what `toMinorUnits` computes from the number's
 * decimal text (test/fast-path.test.ts compares both); anything else (strings, more decimals, huge
 * values) goes to `toMinorUnits`, which rounds and range-checks.
 */
function money(value: number | string | null | undefined, currency: CurrencyInfo, field: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number") {
    const minor = Math.round(value * currency.scale);
    // Below 1e15 minor units doubles are spaced far closer than one minor unit, so no other
    // decimal with that few digits maps to the same double.
    if (minor / currency.scale === value && Math.abs(minor) < 1e15) return minor === 0 ? 0 : minor;
  }
  try {
    return toMinorUnits(value, currency.code);
  } catch (error) {
    throw new MappingError(field, (error as Error).message);
  }
}

/**
 * DocCurrency → ISO 4217 and scale, through options.currencies or as it is, worked out once per
 * distinct currency and kept per connector instance (one `CurrencyTable` per mapper). The code is
 * checked with core's `CurrencyCode` (ICU's ISO 4217 list): the mapper builds the canonical
 * Invoice directly instead of running core's `Invoice` schema over every record, and this is the
 * one rule of that schema the mapping could break ("XYZ" is three capitals but no currency).
 */
export class CurrencyTable {
  private readonly known = new Map<string, CurrencyInfo>();
  /** Most pages are one currency: the last answer first, before the map lookup. */
  private last: { docCurrency: string; info: CurrencyInfo } | null = null;

  constructor(private readonly table: SapB1Options["currencies"]) {}

  info(docCurrency: string, field = "DocCurrency"): CurrencyInfo {
    if (this.last?.docCurrency === docCurrency) return this.last.info;
    let info = this.known.get(docCurrency);
    if (!info) {
      const code = this.table[docCurrency] ?? docCurrency;
      if (!CurrencyCode.safeParse(code).success) {
        throw new MappingError(field, `unknown currency "${docCurrency}" (add it to options.currencies)`);
      }
      info = { code, scale: 10 ** currencyExponent(code) };
      this.known.set(docCurrency, info);
    }
    this.last = { docCurrency, info };
    return info;
  }
}

const EMAIL = /^[^\s@;,]+@[^\s@;,]+\.[^\s@;,]+$/;

/**
 * Status from the document header: cancelled in SAP (the Cancel action sets Cancelled tYES and
 * CancelStatus csYes) → cancelled; the cancellation document that action adds (CancelStatus
 * csCancellation) → void, never dunned; closed and paid in full → paid; closed otherwise (a
 * credit note or a reconciliation closed it) → void with nothing open; something paid →
 * partially_paid; else open.
 */
export function invoiceStatus(doc: Document, totalMinor: number, paidMinor: number): InvoiceStatus {
  if (doc.Cancelled === "tYES" || doc.CancelStatus === "csYes") return "cancelled";
  if (doc.CancelStatus === "csCancellation") return "void";
  const closed = doc.DocumentStatus !== "bost_Open";
  if (closed) return paidMinor >= totalMinor ? "paid" : "void";
  return paidMinor > 0 ? "partially_paid" : "open";
}

export interface MapperContext {
  /** The source instance id records are stamped with. */
  source: string;
  options: SapB1Options;
  /**
   * The company's local currency as the company writes it ("R$") or as ISO 4217 ("BRL"):
   * `AdminInfo.LocalCurrency` or `options.localCurrency`. Documents in any other currency carry
   * their own amounts in the *Fc fields.
   */
  localCurrency: string;
  /** A field left out of a record that is otherwise synced (e.g. an invalid tax id). */
  warn?: (warning: MappingWarning) => void;
}

export interface MappingWarning {
  entity: "customers";
  externalId: string;
  field: string;
  message: string;
}

/** Service Layer → canonical, one per connector instance: it keeps that instance's currency lookups. */
export interface Mapper {
  customer(bp: BusinessPartner): Customer;
  invoice(doc: Document): Invoice;
  payment(payment: IncomingPayment): Payment;
}

export function createMapper(context: MapperContext): Mapper {
  const currencies = new CurrencyTable(context.options.currencies);
  const local = currencies.info(context.localCurrency, "localCurrency");
  return {
    customer: (bp) => mapCustomer(bp, context),
    invoice: (doc) => mapInvoice(doc, context, currencies, local),
    payment: (payment) => mapPayment(payment, context, currencies, local),
  };
}

function mapCustomer(bp: BusinessPartner, context: MapperContext): Customer {
  const { options } = context;
  const name = bp.CardName?.trim();
  if (!name) throw new MappingError("CardName", "is empty");
  const country = bp.Country?.trim() || options.defaultRegion;
  const tax = customerTaxId(bp, country, context);
  const region = (country.length === 2 ? country : options.defaultRegion) as Parameters<
    typeof normalizePhone
  >[1];
  const phones = [bp.Cellular, bp.Phone1, bp.Phone2]
    .map((raw) => normalizePhone(raw, region))
    .filter((phone, i, all): phone is string => phone !== null && all.indexOf(phone) === i);
  // EmailAddress is free text; people put several addresses in it. Take the first valid one.
  const email = (bp.EmailAddress ?? "").split(/[;,\s]+/).find((part) => EMAIL.test(part)) ?? null;
  return {
    source: context.source,
    externalId: bp.CardCode,
    raw: bp,
    name,
    taxId: tax.taxId,
    taxIdKind: tax.taxIdKind,
    country,
    phones,
    email: email?.toLowerCase() ?? null,
    language: country === "BR" ? "pt-BR" : null,
    ...customerDefaults(),
    updatedAt: stampIso(stampOf(bp), options.serverTimeZone),
  };
}

/**
 * FederalTaxID as CPF/CNPJ. A wrong check digit is a typo in the master data, not a reason to
 * stop dunning the partner: the customer is synced without the tax id and a warning names the
 * card code, so someone fixes it in SAP (the value itself is not repeated: it is personal data).
 */
function customerTaxId(
  bp: BusinessPartner,
  country: string,
  context: MapperContext,
): { taxId: string | null; taxIdKind: Customer["taxIdKind"] } {
  const tax = classifyTaxId(bp.FederalTaxID, country);
  if (!("error" in tax)) return tax;
  context.warn?.({
    entity: "customers",
    externalId: bp.CardCode,
    field: "FederalTaxID",
    message: "is neither a valid CPF nor a valid CNPJ (check digits); synced without a tax id",
  });
  return { taxId: null, taxIdKind: null };
}

/** An *Fc amount a foreign-currency document must carry. */
function foreign(value: number | string | null | undefined, field: string, currency: string) {
  if (value === null || value === undefined) {
    throw new MappingError(field, `is missing on a ${currency} document (the document's own amount)`);
  }
  return value;
}

/**
 * Amounts in the document's currency. A document in the local currency carries them in
 * DocTotal/PaidToDate; one in a foreign currency carries them in DocTotalFc/PaidToDateFC and
 * its local equivalents in DocTotal/PaidToDate (SAP Business One SDK, Documents object:
 * DocTotalFc "document total in foreign currency"; SAPB1-v2.edmx EntityType Document).
 */
function documentAmounts(doc: Document, info: CurrencyInfo, isLocal: boolean) {
  if (isLocal) {
    return {
      totalMinor: money(doc.DocTotal, info, "DocTotal"),
      paidMinor: money(doc.PaidToDate, info, "PaidToDate"),
    };
  }
  return {
    totalMinor: money(foreign(doc.DocTotalFc, "DocTotalFc", info.code), info, "DocTotalFc"),
    paidMinor: money(doc.PaidToDateFC, info, "PaidToDateFC"),
  };
}

/**
 * A foreign-currency document's amounts in the company's currency (DocTotal, PaidToDate: SAP
 * converted them at DocRate), for reports and aging; messages show the document's own.
 */
function companyAmounts(
  doc: Document,
  local: CurrencyInfo,
  dunned: boolean,
): Pick<Invoice, "companyTotal" | "companyOpenAmount"> {
  const total = money(doc.DocTotal, local, "DocTotal");
  const open = dunned ? Math.max(0, total - money(doc.PaidToDate, local, "PaidToDate")) : 0;
  return {
    companyTotal: { amountMinor: total, currency: local.code },
    companyOpenAmount: { amountMinor: open, currency: local.code },
  };
}

function mapInvoice(
  doc: Document,
  context: MapperContext,
  currencies: CurrencyTable,
  local: CurrencyInfo,
): Invoice {
  const { options } = context;
  const info = currencies.info(doc.DocCurrency);
  const currency = info.code;
  const isLocal = currency === local.code;
  const { totalMinor, paidMinor } = documentAmounts(doc, info, isLocal);
  const status = invoiceStatus(doc, totalMinor, paidMinor);
  const dunned = isDunnable(status);
  const openMinor = dunned ? Math.max(0, totalMinor - paidMinor) : 0;
  const udf = (name: string | undefined): string | null => {
    const value = name ? doc[name] : undefined;
    return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
  };
  const payLink = udf(options.udf.payLink);
  const invoice: Invoice = {
    source: context.source,
    externalId: String(doc.DocEntry),
    raw: doc,
    number: String(doc.DocNum ?? doc.DocEntry),
    customerRef: doc.CardCode,
    issueDate: doc.DocDate.slice(0, 10),
    dueDate: doc.DocDueDate.slice(0, 10),
    total: { amountMinor: totalMinor, currency },
    openAmount: { amountMinor: openMinor, currency },
    status,
    instruments: {
      boletoLine: udf(options.udf.boletoLine),
      pixCode: udf(options.udf.pixCode),
      payLink: payLink && URL.canParse(payLink) ? payLink : null,
      documentUrl: null,
    },
    updatedAt: stampIso(stampOf(doc), options.serverTimeZone),
  };
  return isLocal ? invoice : Object.assign(invoice, companyAmounts(doc, local, dunned));
}

/** Invoices a credit note is based on (DocumentLines BaseType 13 = A/R invoice). */
export function creditedInvoices(creditNote: Document): number[] {
  const entries = (creditNote.DocumentLines ?? [])
    .filter((line) => line.BaseType === 13 && typeof line.BaseEntry === "number")
    .map((line) => line.BaseEntry as number);
  return [...new Set(entries)];
}

/**
 * An incoming payment in its own currency (DocCurrency; the local currency when absent). In a
 * foreign-currency payment each PaymentInvoices line's amount is AppliedFC; SumApplied is its
 * local equivalent (SAP Business One SDK, Payments_Invoices: AppliedFC "amount paid in foreign
 * currency"). Cash and transfer sums are in the payment's currency.
 */
function mapPayment(
  payment: IncomingPayment,
  context: MapperContext,
  currencies: CurrencyTable,
  local: CurrencyInfo,
): Payment {
  const info = payment.DocCurrency ? currencies.info(payment.DocCurrency) : local;
  const currency = info.code;
  const isLocal = currency === local.code;
  const lines = payment.PaymentInvoices ?? [];
  const applied = (line: (typeof lines)[number]) =>
    isLocal
      ? money(line.SumApplied, info, "PaymentInvoices.SumApplied")
      : money(
          foreign(line.AppliedFC, "PaymentInvoices.AppliedFC", currency),
          info,
          "PaymentInvoices.AppliedFC",
        );
  const allocations = lines
    .filter((line) => !line.InvoiceType || line.InvoiceType === "it_Invoice")
    .map((line) => ({ invoiceRef: String(line.DocEntry), amount: { amountMinor: applied(line), currency } }));
  const appliedMinor = lines.reduce((sum, line) => sum + applied(line), 0);
  const received = money(payment.CashSum, info, "CashSum") + money(payment.TransferSum, info, "TransferSum");
  return {
    source: context.source,
    externalId: String(payment.DocEntry),
    raw: payment,
    customerRef: payment.CardCode ?? null,
    date: payment.DocDate.slice(0, 10),
    amount: { amountMinor: appliedMinor > 0 ? appliedMinor : received, currency },
    allocations,
    updatedAt: null,
  };
}

/** The text written into the activity's Notes: what was sent, through which channel, its status. */
export function activityNotes(activity: CollectionActivity): string {
  const lines = [
    activity.subject,
    `status: ${activity.kind}`,
    activity.channel ? `channel: ${activity.channel}` : null,
    activity.providerMessageId ? `message id: ${activity.providerMessageId}` : null,
    activity.invoiceRefs.length ? `invoices (DocEntry): ${activity.invoiceRefs.join(", ")}` : null,
    `at: ${activity.occurredAt}`,
    activity.details ? `\n${activity.details}` : null,
    `régua key: ${activity.key}`,
  ];
  return lines.filter((line): line is string => line !== null).join("\n");
}
