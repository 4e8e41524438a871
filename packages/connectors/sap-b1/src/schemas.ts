import { z } from "zod";

/**
 * zod for the Service Layer payloads régua reads, from the metadata
 * (../shared/specs/sap-b1/SAPB1-v1.edmx and SAPB1-v2.edmx): EntityType BusinessPartner,
 * Document (Invoices, CreditNotes), Payment (IncomingPayments) with ComplexType PaymentInvoice,
 * Activity. Enums arrive as member names ("bost_Open"). Dates are "2026-01-31" in v1 and
 * "2026-01-31T00:00:00Z" in v2; times "14:05:00". Objects are loose: unknown fields (UDFs,
 * fields a newer release adds) stay in `raw`.
 */
const SlDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, "must be a date such as 2026-01-31");
const SlTime = z.string().regex(/^\d{2}:\d{2}(:\d{2})?/, "must be a time such as 14:05:00");
const Decimal = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/)]);
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
  DocCurrency: z.string().min(1),
  DocumentStatus: z.enum(["bost_Open", "bost_Close", "bost_Paid", "bost_Delivered"]),
  Cancelled: YesNo.nullish(),
  UpdateDate: SlDate.nullish(),
  UpdateTime: SlTime.nullish(),
  DocumentLines: z.array(DocumentLine).nullish(),
});
export type Document = z.infer<typeof Document>;

export const PaymentInvoice = z.looseObject({
  DocEntry: z.number().int(),
  SumApplied: Decimal,
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
