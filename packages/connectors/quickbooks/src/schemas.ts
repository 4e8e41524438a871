import { z } from "zod";

/**
 * zod for the QuickBooks Online v3 payloads régua reads (developer.intuit.com → API reference:
 * Customer, Invoice, Payment, CreditMemo, Term, Attachable, ChangeDataCapture, Batch; the
 * query envelope `{"QueryResponse":{…,"startPosition","maxResults"},"time"}`). Decimals are JSON
 * numbers, dates "2026-01-31", stamps "2026-01-31T10:33:39-08:00". Objects are loose: fields
 * régua does not map (custom fields, addresses, lines) stay in `raw`.
 */
const QboDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date such as 2026-01-31");
const Stamp = z.iso.datetime({ offset: true });
const Amount = z.number();
const Ref = z.looseObject({ value: z.string().min(1), name: z.string().nullish() });
const Phone = z.looseObject({ FreeFormNumber: z.string().nullish() }).nullish();
const Meta = z.looseObject({ CreateTime: Stamp.nullish(), LastUpdatedTime: Stamp });

const Entity = z.looseObject({ Id: z.string().min(1), SyncToken: z.string().nullish(), MetaData: Meta });

export const Customer = Entity.extend({
  DisplayName: z.string().min(1),
  CompanyName: z.string().nullish(),
  Active: z.boolean().nullish(),
  Balance: Amount.nullish(),
  CurrencyRef: Ref.nullish(),
  PrimaryPhone: Phone,
  Mobile: Phone,
  AlternatePhone: Phone,
  PrimaryEmailAddr: z.looseObject({ Address: z.string().nullish() }).nullish(),
  /** Masked by the API in answers on some companies ("XXXXXX6789"): then not a usable id. */
  PrimaryTaxIdentifier: z.string().nullish(),
  BillAddr: z.looseObject({ Country: z.string().nullish() }).nullish(),
});
export type Customer = z.infer<typeof Customer>;

export const LinkedTxn = z.looseObject({ TxnId: z.string().min(1), TxnType: z.string() });

export const Invoice = Entity.extend({
  DocNumber: z.string().nullish(),
  TxnDate: QboDate,
  DueDate: QboDate.nullish(),
  SalesTermRef: Ref.nullish(),
  CustomerRef: Ref,
  CurrencyRef: Ref.nullish(),
  ExchangeRate: z.number().nullish(),
  TotalAmt: Amount,
  HomeTotalAmt: Amount.nullish(),
  Balance: Amount,
  HomeBalance: Amount.nullish(),
  EmailStatus: z.string().nullish(),
  PrivateNote: z.string().nullish(),
  LinkedTxn: z.array(LinkedTxn).nullish(),
  InvoiceLink: z.string().nullish(),
});
export type Invoice = z.infer<typeof Invoice>;

export const Payment = Entity.extend({
  TxnDate: QboDate,
  CustomerRef: Ref.nullish(),
  CurrencyRef: Ref.nullish(),
  ExchangeRate: z.number().nullish(),
  TotalAmt: Amount,
  UnappliedAmt: Amount.nullish(),
  Line: z.array(z.looseObject({ Amount: Amount, LinkedTxn: z.array(LinkedTxn).nullish() })).nullish(),
});
export type Payment = z.infer<typeof Payment>;

export const CreditMemo = Entity.extend({
  CustomerRef: Ref,
  CurrencyRef: Ref.nullish(),
  ExchangeRate: z.number().nullish(),
  RemainingCredit: Amount.nullish(),
});
export type CreditMemo = z.infer<typeof CreditMemo>;

/** Sales terms (Term reference): STANDARD with DueDays, or DATE_DRIVEN with DayOfMonthDue. */
export const Term = z.looseObject({
  Id: z.string().min(1),
  Name: z.string().nullish(),
  DueDays: z.number().int().nullish(),
  DayOfMonthDue: z.number().int().nullish(),
  DueNextMonthDays: z.number().int().nullish(),
});
export type Term = z.infer<typeof Term>;

/** A deleted object in a CDC answer: `{"status":"Deleted","domain":"QBO","Id","MetaData"}`. */
export const Tombstone = z.looseObject({
  status: z.literal("Deleted"),
  Id: z.string().min(1),
  MetaData: z.looseObject({ LastUpdatedTime: Stamp }).nullish(),
});

/** The query envelope; an empty answer is `{"QueryResponse":{}}`. */
export const QueryEnvelope = z.looseObject({
  QueryResponse: z.looseObject({
    startPosition: z.number().int().nullish(),
    maxResults: z.number().int().nullish(),
    totalCount: z.number().int().nullish(),
  }),
});

/** `{"CDCResponse":[{"QueryResponse":[{"<Entity>":[…],…}, …]}],"time"}`. */
export const CdcEnvelope = z.looseObject({
  CDCResponse: z.array(z.looseObject({ QueryResponse: z.array(z.record(z.string(), z.unknown())) })).min(1),
});

/** `{"Preferences":{"CurrencyPrefs":{"HomeCurrency":{"value":"BRL"}}}}`. */
export const PreferencesEnvelope = z.looseObject({
  Preferences: z.looseObject({
    CurrencyPrefs: z.looseObject({ HomeCurrency: Ref.nullish() }).nullish(),
  }),
});

export const Attachable = z.looseObject({ Id: z.string().min(1), Tag: z.string().nullish() });

/** Both error shapes: the `Fault` envelope and the gateway's lowercase `fault` (auth failures). */
const FaultError = z.looseObject({
  Message: z.string().nullish(),
  Detail: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
  element: z.string().nullish(),
});
const LowerFaultError = z.looseObject({
  message: z.string().nullish(),
  detail: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
});
export const FaultEnvelope = z.looseObject({
  Fault: z.looseObject({ Error: z.array(FaultError).min(1), type: z.string().nullish() }),
});
export const LowercaseFaultEnvelope = z.looseObject({
  fault: z.looseObject({ error: z.array(LowerFaultError).min(1), type: z.string().nullish() }),
});

/** The token endpoint's answer (OAuth 2.0 reference, "Refresh the token"). */
export const TokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  refresh_token: z.string().min(1),
  expires_in: z.number().positive(),
  x_refresh_token_expires_in: z.number().nullish(),
  token_type: z.string().nullish(),
});
export const OAuthError = z.looseObject({ error: z.string(), error_description: z.string().nullish() });
