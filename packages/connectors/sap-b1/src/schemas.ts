import { z } from "zod";

/**
 * zod for the Service Layer payloads régua reads, from the metadata
 * (../shared/specs/sap-b1/SAPB1-v1.edmx and SAPB1-v2.edmx): EntityType BusinessPartner,
 * Document (Invoices, CreditNotes), Payment (IncomingPayments) with ComplexType PaymentInvoice,
 * Activity. Enums arrive as member names ("bost_Open"). Dates are "2026-01-31" in v1 and
 * "2026-01-31T00:00:00Z" in v2; times "14:05:00". Objects are loose: unknown fields (UDFs,
 * fields a newer release adds) stay in `raw`.
 */
const DATE = /^\d{4}-\d{2}-\d{2}/;
const TIME = /^\d{2}:\d{2}(:\d{2})?/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const SlDate = z.string().regex(DATE, "must be a date such as 2026-01-31");
const SlTime = z.string().regex(TIME, "must be a time such as 14:05:00");
const Decimal = z.union([z.number(), z.string().regex(DECIMAL)]);
const YesNo = z.enum(["tYES", "tNO"]);
const Text = z.string().nullish();

export const BusinessPartner = z.looseObject({
  CardCode: z.string().min(1),
  CardName: z.string().nullish(),
  CardType: z.string().nullish(),
  Phone1: Text,
  Phone2: Text,
  Cellular: Text,
  EmailAddress: Text,
  FederalTaxID: Text,
  Country: Text,
  UpdateDate: SlDate.nullish(),
  UpdateTime: SlTime.nullish(),
});
export type BusinessPartner = z.infer<typeof BusinessPartner>;

export const DocumentLine = z.looseObject({
  BaseType: z.number().int().nullish(),
  BaseEntry: z.number().int().nullish(),
});

export const Document = z.looseObject({
  DocEntry: z.number().int(),
  DocNum: z.number().int().nullish(),
  CardCode: z.string().min(1),
  DocDate: SlDate,
  DocDueDate: SlDate,
  DocTotal: Decimal,
  PaidToDate: Decimal.nullish(),
  /** The document's own amounts when DocCurrency is not the local currency (DocTotal is local). */
  DocTotalFc: Decimal.nullish(),
  PaidToDateFC: Decimal.nullish(),
  DocCurrency: z.string().min(1),
  DocumentStatus: z.enum(["bost_Open", "bost_Close", "bost_Paid", "bost_Delivered"]),
  Cancelled: YesNo.nullish(),
  /** csYes: cancelled; csCancellation: the document that cancels another (CancelStatusEnum). */
  CancelStatus: z.enum(["csYes", "csNo", "csCancellation"]).nullish(),
  UpdateDate: SlDate.nullish(),
  UpdateTime: SlTime.nullish(),
  DocumentLines: z.array(DocumentLine).nullish(),
});
export type Document = z.infer<typeof Document>;

const STATUSES: ReadonlySet<unknown> = new Set(Document.shape.DocumentStatus.options);
const CANCEL_STATUSES: ReadonlySet<unknown> = new Set(["csYes", "csNo", "csCancellation"]);

const isNullish = (v: unknown): v is null | undefined => v === null || v === undefined;
const isInt = (v: unknown): boolean => Number.isSafeInteger(v);
const isDate = (v: unknown): boolean => typeof v === "string" && DATE.test(v);
const isDecimal = (v: unknown): boolean =>
  typeof v === "number" ? Number.isFinite(v) : typeof v === "string" && DECIMAL.test(v);

/**
 * The hot path of a listing: true only when `raw` is a header-only document that `Document`
 * accepts as it is. It checks the same rules (never fewer), so the row can be used without
 * zod's copy; anything it does not vouch for (DocumentLines, an odd value) goes through
 * `Document.safeParse`, which also words the reject. test/fast-path.test.ts holds it to that:
 * whatever it accepts, `Document` accepts and returns unchanged.
 */
export function isPlainDocument(raw: unknown): raw is Document {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return false;
  const r = raw as Record<string, unknown>;
  return (
    isInt(r.DocEntry) &&
    (isNullish(r.DocNum) || isInt(r.DocNum)) &&
    typeof r.CardCode === "string" &&
    r.CardCode.length > 0 &&
    isDate(r.DocDate) &&
    isDate(r.DocDueDate) &&
    isDecimal(r.DocTotal) &&
    (isNullish(r.PaidToDate) || isDecimal(r.PaidToDate)) &&
    (isNullish(r.DocTotalFc) || isDecimal(r.DocTotalFc)) &&
    (isNullish(r.PaidToDateFC) || isDecimal(r.PaidToDateFC)) &&
    typeof r.DocCurrency === "string" &&
    r.DocCurrency.length > 0 &&
    STATUSES.has(r.DocumentStatus) &&
    (isNullish(r.Cancelled) || r.Cancelled === "tYES" || r.Cancelled === "tNO") &&
    (isNullish(r.CancelStatus) || CANCEL_STATUSES.has(r.CancelStatus)) &&
    (isNullish(r.UpdateDate) || isDate(r.UpdateDate)) &&
    (isNullish(r.UpdateTime) || (typeof r.UpdateTime === "string" && TIME.test(r.UpdateTime))) &&
    isNullish(r.DocumentLines)
  );
}

export const PaymentInvoice = z.looseObject({
  DocEntry: z.number().int(),
  SumApplied: Decimal,
  /** The applied amount in the payment's currency when that is not the local one. */
  AppliedFC: Decimal.nullish(),
  InvoiceType: z.string().nullish(),
});

export const IncomingPayment = z.looseObject({
  DocEntry: z.number().int(),
  DocDate: SlDate,
  CardCode: z.string().nullish(),
  DocCurrency: z.string().nullish(),
  CashSum: Decimal.nullish(),
  TransferSum: Decimal.nullish(),
  Cancelled: YesNo.nullish(),
  PaymentInvoices: z.array(PaymentInvoice).nullish(),
});
export type IncomingPayment = z.infer<typeof IncomingPayment>;

/**
 * GET (v2) / POST (v1) CompanyService_GetAdminInfo → ComplexType AdminInfo (SAPB1-v2.edmx):
 * `LocalCurrency` is the company's local currency code as written in its currency table (OCRN).
 */
export const AdminInfo = z.looseObject({ LocalCurrency: z.string().min(1) });

export const ActivityRef = z.looseObject({ ActivityCode: z.number().int() });

/** A collection answer: v1 `odata.nextLink`, v2 `@odata.nextLink`; rows parsed one by one. */
export const Collection = z.looseObject({
  value: z.array(z.unknown()),
  "odata.nextLink": z.string().optional(),
  "@odata.nextLink": z.string().optional(),
});

/** POST /Login answer; the session itself travels in the B1SESSION / ROUTEID cookies. */
export const LoginAnswer = z.looseObject({ SessionId: z.string(), SessionTimeout: z.number().optional() });

/**
 * The error envelope. v1: {"error":{"code":-304,"message":{"lang":"en-us","value":"…"}}};
 * v2: {"error":{"code":"-304","message":"…"}}.
 */
export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.union([z.number(), z.string()]),
    message: z.union([z.string(), z.object({ lang: z.string().optional(), value: z.string() })]),
  }),
});
