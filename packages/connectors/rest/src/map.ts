import {
  Customer,
  classifyTaxId,
  type EntityName,
  Invoice,
  InvoiceStatus,
  normalizePhone,
  Payment,
  type RecordReject,
  toMinorUnits,
} from "@regua/core";
import { getProperty } from "dot-prop";
import { z } from "zod";
import type { CustomerFieldMap, InvoiceFieldMap, PaymentFieldMap } from "./options.js";
import { CustomerValues, type ErpFormats, valueSchemas } from "./schemas.js";

/**
 * Pure ERP → canonical mapping. A record that cannot be mapped becomes a RecordReject naming
 * the canonical field and the ERP's key; it never fails the page.
 */
export interface MapSettings {
  /** The connector instance id, written into `source`. */
  source: string;
  currency: string;
  defaultRegion: string;
  /** Country for tax ids when the record names none. */
  country: string;
  formats: ErpFormats;
  statusMap: Record<string, InvoiceStatus>;
}

type Region = NonNullable<Parameters<typeof normalizePhone>[1]>;
interface Issue {
  path: PropertyKey[];
  message: string;
}

export type MapResult<T> = { ok: true; record: T } | { ok: false; reject: RecordReject };

/**
 * Reads a dot path ("boleto.digitable_line", "items.0.id", "items[0].id") out of parsed JSON with
 * dot-prop; a path into a string or a number finds nothing (dot-prop would hand the value back).
 */
export function getPath(value: unknown, path: string): unknown {
  return value !== null && typeof value === "object" ? getProperty(value, path) : undefined;
}

function extract(
  raw: unknown,
  fields: Record<string, string | string[] | undefined>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, path] of Object.entries(fields)) {
    if (typeof path === "string") values[name] = getPath(raw, path);
  }
  return values;
}

function rejectFrom(
  entity: EntityName,
  externalId: string,
  raw: unknown,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  fields?: Record<string, string | string[] | undefined>,
  values?: Record<string, unknown>,
): { ok: false; reject: RecordReject } {
  const error = issues
    .map((issue) => {
      const field = issue.path.map(String).join(".") || "(record)";
      const top = String(issue.path[0] ?? "");
      const erpPath = fields?.[top];
      if (values && issue.path.length === 1 && values[top] == null && typeof erpPath === "string") {
        return `${field}: missing (expected at "${erpPath}")`;
      }
      return `${field}: ${issue.message}`;
    })
    .join("; ");
  return { ok: false, reject: { entity, externalId, error, raw } };
}

function keyOf(values: Record<string, unknown>, index: number): string {
  const id = values.externalId;
  return typeof id === "string" || typeof id === "number" ? String(id) : `(record #${index + 1} on the page)`;
}

/** toMinorUnits that reports a bad value as an issue on `field` instead of throwing. */
function minorUnits(value: string | number, currency: string, field: string, issues: Issue[]): number {
  try {
    return toMinorUnits(value, currency);
  } catch (error) {
    issues.push({ path: [field], message: (error as Error).message });
    return 0;
  }
}

const Email = z.email();

export function mapCustomer(
  raw: unknown,
  fields: CustomerFieldMap,
  settings: MapSettings,
  index = 0,
): MapResult<Customer> {
  const { phones: phonePaths, ...scalarFields } = fields;
  const values = extract(raw, scalarFields);
  const paths = phonePaths === undefined ? [] : Array.isArray(phonePaths) ? phonePaths : [phonePaths];
  values.phones = paths.flatMap((path) => {
    const found = getPath(raw, path);
    return (Array.isArray(found) ? found : [found]).filter((p) => p !== null && p !== undefined && p !== "");
  });
  const parsed = CustomerValues.safeParse(values);
  if (!parsed.success)
    return rejectFrom("customers", keyOf(values, index), raw, parsed.error.issues, fields, values);
  const v = parsed.data;

  const country = v.country?.toUpperCase() ?? settings.country;
  const taxId = classifyTaxId(v.taxId, country);
  if ("error" in taxId) {
    return rejectFrom("customers", v.externalId, raw, [{ path: ["taxId"], message: taxId.error }]);
  }
  const customFields: Record<string, unknown> = {};
  const phones: string[] = [];
  for (const phone of v.phones) {
    const e164 = normalizePhone(phone, settings.defaultRegion as Region);
    if (e164 === null)
      customFields.invalidPhones = [...((customFields.invalidPhones as string[]) ?? []), phone];
    else if (!phones.includes(e164)) phones.push(e164);
  }
  let email = v.email?.toLowerCase() ?? null;
  if (email !== null && !Email.safeParse(email).success) {
    customFields.invalidEmail = email;
    email = null;
  }
  const customer = Customer.safeParse({
    source: settings.source,
    externalId: v.externalId,
    name: v.name,
    ...taxId,
    country,
    phones,
    email,
    language: v.language,
    segment: v.segment,
    tags: v.tags,
    value: v.value ?? null,
    customFields,
    updatedAt: v.updatedAt ?? null,
    raw,
  });
  if (!customer.success) return rejectFrom("customers", v.externalId, raw, customer.error.issues);
  return { ok: true, record: customer.data };
}

function mapStatus(value: string, statusMap: Record<string, InvoiceStatus>): InvoiceStatus | undefined {
  return (
    statusMap[value] ?? statusMap[value.toLowerCase()] ?? InvoiceStatus.safeParse(value.toLowerCase()).data
  );
}

export function mapInvoice(
  raw: unknown,
  fields: InvoiceFieldMap,
  settings: MapSettings,
  index = 0,
): MapResult<Invoice> {
  const values = extract(raw, fields);
  values.number ??= values.externalId;
  values.issueDate ??= fields.issueDate === undefined ? values.dueDate : undefined;
  const parsed = valueSchemas(settings.formats).invoice.safeParse(values);
  if (!parsed.success)
    return rejectFrom("invoices", keyOf(values, index), raw, parsed.error.issues, fields, values);
  const v = parsed.data;

  const issues: Issue[] = [];
  const currency = v.currency?.toUpperCase() ?? settings.currency;
  const total = minorUnits(v.total, currency, "total", issues);
  let status: InvoiceStatus | undefined;
  if (v.status !== null) {
    status = mapStatus(v.status, settings.statusMap);
    if (!status) {
      issues.push({
        path: ["status"],
        message: `unknown status ${JSON.stringify(v.status)} (add it to resources.invoices.statusMap)`,
      });
    }
  }
  let open: number;
  if (v.openAmount != null) open = minorUnits(v.openAmount, currency, "openAmount", issues);
  else if (v.paidAmount != null)
    open = Math.max(0, total - minorUnits(v.paidAmount, currency, "paidAmount", issues));
  else open = status === "paid" || status === "void" ? 0 : total;
  if (issues.length > 0) return rejectFrom("invoices", v.externalId, raw, issues);

  if (status === undefined) status = open === 0 ? "paid" : open < total ? "partially_paid" : "open";
  else if (status === "open" && open > 0 && open < total) status = "partially_paid";

  const money = (amountMinor: number) => ({ amountMinor, currency });
  const invoice = Invoice.safeParse({
    source: settings.source,
    externalId: v.externalId,
    number: v.number,
    customerRef: v.customerRef,
    issueDate: v.issueDate,
    dueDate: v.dueDate,
    total: money(total),
    openAmount: money(open),
    status,
    instruments: {
      boletoLine: v.boletoLine,
      pixCode: v.pixCode,
      payLink: v.payLink,
      documentUrl: v.documentUrl,
    },
    updatedAt: v.updatedAt ?? null,
    raw,
  });
  if (!invoice.success) return rejectFrom("invoices", v.externalId, raw, invoice.error.issues);
  return { ok: true, record: invoice.data };
}

export function mapPayment(
  raw: unknown,
  fields: PaymentFieldMap,
  settings: MapSettings,
  index = 0,
): MapResult<Payment> {
  const { allocations: allocationsPath, allocationInvoiceRef, allocationAmount, ...scalarFields } = fields;
  const values = extract(raw, scalarFields);
  if (allocationsPath !== undefined) {
    const found = getPath(raw, allocationsPath);
    values.allocations = Array.isArray(found)
      ? found.map((item) => ({
          invoiceRef: getPath(item, allocationInvoiceRef),
          amount: getPath(item, allocationAmount),
        }))
      : found;
  }
  const parsed = valueSchemas(settings.formats).payment.safeParse(values);
  if (!parsed.success)
    return rejectFrom("payments", keyOf(values, index), raw, parsed.error.issues, fields, values);
  const v = parsed.data;

  const issues: Issue[] = [];
  const currency = v.currency?.toUpperCase() ?? settings.currency;
  const amount = minorUnits(v.amount, currency, "amount", issues);
  const allocations = v.allocations.map((a, i) => ({
    invoiceRef: a.invoiceRef,
    amount: { amountMinor: minorUnits(a.amount, currency, `allocations.${i}.amount`, issues), currency },
  }));
  if (issues.length > 0) return rejectFrom("payments", v.externalId, raw, issues);
  const payment = Payment.safeParse({
    source: settings.source,
    externalId: v.externalId,
    customerRef: v.customerRef ?? null,
    date: v.date,
    amount: { amountMinor: amount, currency },
    allocations,
    updatedAt: v.updatedAt ?? null,
    raw,
  });
  if (!payment.success) return rejectFrom("payments", v.externalId, raw, payment.error.issues);
  return { ok: true, record: payment.data };
}
