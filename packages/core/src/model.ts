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
  /**
   * Soft deletion: when the ERP deleted the record (an event, or missing from a full reconcile).
   * Nothing is hard-deleted from history; a record seen again in the ERP comes back.
   */
  deletedAt: IsoDateTime.nullable().optional(),
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
  /**
   * Credit the customer holds and the ERP has not applied to any invoice yet (an overpayment,
   * an advance, a credit note), in the company currency. Absent when the ERP does not say.
   */
  unappliedCredit: Money.optional(),
  /**
   * A second factor the self-service bot may ask for before showing a customer's debts to a
   * number not registered for them (a person's birth date, the billing address's postcode).
   * Absent when the ERP does not have it.
   */
  birthDate: IsoDate.nullable().optional(),
  /** Postcode (CEP in Brazil) as the ERP holds it; compared by its digits and letters. */
  postalCode: z.string().min(1).nullable().optional(),
  updatedAt: IsoDateTime.nullable().default(null),
});
export type Customer = z.infer<typeof Customer>;
export type CustomerInput = z.input<typeof Customer>;

/**
 * What the ERP says about an invoice. Besides open/paid: `void` and `cancelled` (annulled or
 * cancelled in the ERP: nothing is owed), `renegotiated` (replaced by new invoices or
 * installments, named in `replacedBy`), `written_off` (given up as a loss, often with a
 * negative credit record such as Serasa/SPC), `disputed` (the customer contests it).
 */
export const InvoiceStatus = z.enum([
  "open",
  "partially_paid",
  "paid",
  "void",
  "cancelled",
  "renegotiated",
  "written_off",
  "disputed",
]);
export type InvoiceStatus = z.infer<typeof InvoiceStatus>;

/**
 * The one set of statuses under dunning: money is still owed and the sequence runs for it.
 * A disputed invoice stays in the set (the planner and the dispatcher skip it with the reason
 * "disputed", so the trace says why, and the sequence resumes when the dispute ends); leaving
 * the set (paid, void, cancelled, renegotiated, written off) stops the sequence.
 */
export const DUNNABLE_STATUSES = [
  "open",
  "partially_paid",
  "disputed",
] as const satisfies readonly InvoiceStatus[];
const DUNNABLE: ReadonlySet<string> = new Set(DUNNABLE_STATUSES);

export function isDunnable(status: InvoiceStatus): boolean {
  return DUNNABLE.has(status);
}

/**
 * Newest wins: a copy of a record replaces the stored one unless it is older, by the ERP's own
 * modification time (`updatedAt`). Two syncs may read a record at different moments and commit
 * in either order (a webhook's targeted sync takes no lease); the older read must not undo the
 * newer one. Equal times replace (a re-read of the same version is idempotent, and an ERP whose
 * clock counts whole seconds stamps two edits within one second alike); a copy or a stored row
 * without a time replaces too, as before. Instants compare to the millisecond, as the store keeps
 * them.
 */
export function isOlderCopy(
  incoming: { updatedAt?: string | null },
  stored: { updatedAt?: string | null },
): boolean {
  if (incoming.updatedAt == null || stored.updatedAt == null) return false;
  return Date.parse(incoming.updatedAt) < Date.parse(stored.updatedAt);
}

/** An invoice's state in the store's history: a status, or deleted in the ERP. */
export type InvoiceState = InvoiceStatus | "deleted";

/** One due date of an invoice paid in parts (parcelas): dunned by its own due date. */
export const Installment = z
  .object({
    /** 1-based position in the invoice's plan, as the ERP numbers it. */
    number: z.number().int().positive(),
    dueDate: IsoDate,
    amount: Money,
    openAmount: Money,
    status: InvoiceStatus,
  })
  .superRefine((installment, ctx) => {
    if (installment.amount.currency !== installment.openAmount.currency) {
      ctx.addIssue({
        code: "custom",
        path: ["openAmount", "currency"],
        message: "must match amount.currency",
      });
    }
  });
export type Installment = z.infer<typeof Installment>;

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
  /**
   * The amounts in the company's (local) currency when the document is in another one
   * (SAP B1 DocTotal beside DocTotalFc): reports and aging add these, messages show the document's.
   */
  companyTotal: Money.optional(),
  companyOpenAmount: Money.optional(),
  /** Several due dates for one invoice: each open installment is dunned by its own due date. */
  installments: z.array(Installment).optional(),
  /** For a renegotiated invoice: the externalIds of the invoices/installments that replace it. */
  replacedBy: z.array(z.string().min(1)).optional(),
  updatedAt: IsoDateTime.nullable().default(null),
}).superRefine((invoice, ctx) => {
  if (invoice.total.currency !== invoice.openAmount.currency) {
    ctx.addIssue({ code: "custom", path: ["openAmount", "currency"], message: "must match total.currency" });
  }
  if (invoice.openAmount.amountMinor < 0) {
    ctx.addIssue({ code: "custom", path: ["openAmount", "amountMinor"], message: "must not be negative" });
  }
  if (
    invoice.companyTotal &&
    invoice.companyOpenAmount &&
    invoice.companyTotal.currency !== invoice.companyOpenAmount.currency
  ) {
    const message = "must match companyTotal.currency";
    ctx.addIssue({ code: "custom", path: ["companyOpenAmount", "currency"], message });
  }
  invoice.installments?.forEach((installment, index) => {
    if (installment.amount.currency !== invoice.total.currency) {
      const message = "must match the invoice's total.currency";
      ctx.addIssue({ code: "custom", path: ["installments", index, "amount", "currency"], message });
    }
  });
});
export type Invoice = z.infer<typeof Invoice>;
export type InvoiceInput = z.input<typeof Invoice>;

/** What getDocument can fetch for an invoice. */
export const DOCUMENT_KINDS = [
  "boleto_pdf",
  "pix_code",
  "payment_link",
  "statement",
  "agreement_term",
] as const;
export const DocumentKind = z.enum(DOCUMENT_KINDS);
export type DocumentKind = z.infer<typeof DocumentKind>;

/**
 * A document a connector fetched: a file to upload (boleto PDF, statement, agreement term), a
 * text to paste (the PIX "copia e cola" code) or a link (a payment page). Parsed by the engine
 * like every other record from outside.
 */
export const InvoiceDocument = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("file"),
    kind: DocumentKind,
    bytes: z
      .custom<Uint8Array>((value) => value instanceof Uint8Array, "must be bytes (a Uint8Array or Buffer)")
      .refine((bytes) => bytes.byteLength > 0, "must not be empty"),
    mime: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, "must be a MIME type such as application/pdf"),
    filename: z.string().min(1),
  }),
  z.object({ type: z.literal("text"), kind: DocumentKind, text: z.string().min(1) }),
  z.object({
    type: z.literal("url"),
    kind: DocumentKind,
    url: z.url(),
    filename: z.string().min(1).optional(),
  }),
]);
export type InvoiceDocument = z.infer<typeof InvoiceDocument>;

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
