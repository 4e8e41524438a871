import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js";
import { z } from "zod";
import { CurrencyCode, Money } from "./money.js";
import { brazilianTaxIdKind, normalizeTaxId } from "./tax-id.js";

/**
 * The canonical model. zod is the source of truth; types are inferred.
 * Every record keeps `source` (connector instance id), `externalId` (the ERP's key as a
 * string) and `raw` (the ERP payload it was mapped from, for debugging and traces).
 */

const IsoDate = z.iso.date(); // YYYY-MM-DD, a calendar date in the policy's time zone
const IsoDateTime = z.iso.datetime({ offset: true });
const Raw = z.unknown();

const RecordBase = z.object({
  source: z.string().min(1),
  externalId: z.string().min(1),
  raw: Raw.optional(),
});

export const E164 = z
  .string()
  .regex(/^\+[1-9]\d{6,14}$/, "must be an E.164 phone number such as +5511987654321");

export const ConsentState = z.enum(["unknown", "opted_in", "opted_out"]);

export const Customer = RecordBase.extend({
  name: z.string().min(1),
  taxId: z.string().nullable().default(null),
  taxIdKind: z.enum(["cpf", "cnpj", "other"]).nullable().default(null),
  country: z.string().length(2).nullable().default(null),
  phones: z.array(E164).default([]),
  email: z.email().nullable().default(null),
  language: z.string().min(2).nullable().default(null),
  segment: z.string().nullable().default(null),
  tags: z.array(z.string()).default([]),
  /** Customer value score as the business defines it (lifetime revenue tier, plan, …). */
  value: z.number().nullable().default(null),
  consent: ConsentState.default("unknown"),
  optedOutAt: IsoDateTime.nullable().default(null),
  customFields: z.record(z.string(), z.unknown()).default({}),
  updatedAt: IsoDateTime.nullable().default(null),
});
export type Customer = z.infer<typeof Customer>;
export type CustomerInput = z.input<typeof Customer>;

export const InvoiceStatus = z.enum(["open", "partially_paid", "paid", "void", "disputed"]);
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

export const PaymentInstruments = z.object({
  /** Linha digitável of a boleto (47 or 48 digits). */
  boletoLine: z.string().nullable().default(null),
  /** PIX "copia e cola" (EMV BR Code) payload. */
  pixCode: z.string().nullable().default(null),
  payLink: z.url().nullable().default(null),
  /** A document to attach (boleto PDF, statement), by URL. */
  documentUrl: z.url().nullable().default(null),
});
export type PaymentInstruments = z.infer<typeof PaymentInstruments>;

export const Invoice = RecordBase.extend({
  number: z.string().min(1),
  customerRef: z.string().min(1),
  issueDate: IsoDate,
  dueDate: IsoDate,
  total: Money,
  openAmount: Money,
  status: InvoiceStatus,
  instruments: PaymentInstruments.default({
    boletoLine: null,
    pixCode: null,
    payLink: null,
    documentUrl: null,
  }),
  updatedAt: IsoDateTime.nullable().default(null),
}).superRefine((invoice, ctx) => {
  if (invoice.total.currency !== invoice.openAmount.currency) {
    ctx.addIssue({ code: "custom", path: ["openAmount", "currency"], message: "must match total.currency" });
  }
  if (invoice.openAmount.amountMinor < 0) {
    ctx.addIssue({ code: "custom", path: ["openAmount", "amountMinor"], message: "must not be negative" });
  }
});
export type Invoice = z.infer<typeof Invoice>;
export type InvoiceInput = z.input<typeof Invoice>;

export const PaymentAllocation = z.object({ invoiceRef: z.string().min(1), amount: Money });

export const Payment = RecordBase.extend({
  customerRef: z.string().min(1).nullable().default(null),
  date: IsoDate,
  amount: Money,
  allocations: z.array(PaymentAllocation).default([]),
  updatedAt: IsoDateTime.nullable().default(null),
});
export type Payment = z.infer<typeof Payment>;
export type PaymentInput = z.input<typeof Payment>;

export const ActivityKind = z.enum([
  "message_sent",
  "message_delivered",
  "message_read",
  "message_failed",
  "reply_received",
  "escalated",
  "promise_to_pay",
  "paused",
  "opted_out",
  "payment_confirmed",
]);
export type ActivityKind = z.infer<typeof ActivityKind>;

/** What the engine did, to be written back to the ERP. `key` makes the write idempotent. */
export const CollectionActivity = z.object({
  key: z.string().min(1),
  source: z.string().min(1),
  kind: ActivityKind,
  customerRef: z.string().min(1),
  invoiceRefs: z.array(z.string()).default([]),
  occurredAt: IsoDateTime,
  channel: z.string().nullable().default(null),
  providerMessageId: z.string().nullable().default(null),
  /** Human-readable summary: what was sent, to whom, with which status. */
  subject: z.string().min(1),
  details: z.string().default(""),
  actionKey: z.string().nullable().default(null),
});
export type CollectionActivity = z.infer<typeof CollectionActivity>;
export type CollectionActivityInput = z.input<typeof CollectionActivity>;

export { CurrencyCode, IsoDate, IsoDateTime };

/** Normalises a phone to E.164, or null when it cannot be a valid number. */
export function normalizePhone(
  raw: string | null | undefined,
  defaultRegion: CountryCode = "BR",
): string | null {
  if (!raw || raw.trim() === "") return null;
  const parsed = parsePhoneNumberFromString(raw, defaultRegion);
  return parsed?.isValid() ? parsed.number : null;
}

/**
 * Classifies a tax id: for Brazil a CPF/CNPJ must validate (an invalid one is an error);
 * elsewhere it is kept as "other".
 */
export function classifyTaxId(
  raw: string | null | undefined,
  country: string | null,
): { taxId: string | null; taxIdKind: Customer["taxIdKind"] } | { error: string } {
  if (!raw || raw.trim() === "") return { taxId: null, taxIdKind: null };
  if (country === "BR") {
    const kind = brazilianTaxIdKind(raw);
    if (!kind) return { error: `"${raw}" is neither a valid CPF nor a valid CNPJ` };
    return { taxId: normalizeTaxId(raw), taxIdKind: kind };
  }
  return { taxId: raw.trim(), taxIdKind: "other" };
}
