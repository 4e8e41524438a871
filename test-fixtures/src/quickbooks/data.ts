import type { Dataset, GeneratedInvoice } from "../generator.js";
import { toNationalPhone, toSaoPauloTimestamp } from "../rest-erp/data.js";

/**
 * QuickBooks Online v3 entities as the API returns them (JSON, minorversion 75), shaped after
 * the samples in Intuit's API reference (developer.intuit.com → API reference → Customer,
 * Invoice, Payment, CreditMemo, Term, Attachable): PascalCase fields, decimals as JSON numbers,
 * references as `{ value, name }`, `MetaData.LastUpdatedTime` with a UTC offset, `SyncToken`
 * for optimistic locking and `domain: "QBO"` on every object.
 */
export interface Ref {
  value: string;
  name?: string;
}
export interface MetaData {
  CreateTime: string;
  LastUpdatedTime: string;
}
interface Base {
  Id: string;
  SyncToken: string;
  domain: "QBO";
  sparse: false;
  MetaData: MetaData;
}
export interface LinkedTxn {
  TxnId: string;
  TxnType: "Invoice" | "Payment" | "CreditMemo" | "Estimate";
}

export interface QboCustomer extends Base {
  DisplayName: string;
  CompanyName?: string;
  Active: boolean;
  Balance: number;
  CurrencyRef: Ref;
  PrimaryPhone?: { FreeFormNumber: string };
  Mobile?: { FreeFormNumber: string };
  PrimaryEmailAddr?: { Address: string };
  PrimaryTaxIdentifier?: string;
  BillAddr?: { City: string; CountrySubDivisionCode: string; Country: string };
  Notes?: string;
}

export interface QboTerm extends Base {
  Name: string;
  Active: boolean;
  Type: "STANDARD" | "DATE_DRIVEN";
  DueDays?: number;
  DayOfMonthDue?: number;
  DueNextMonthDays?: number;
  DiscountPercent: number;
}

export interface QboLine {
  Id?: string;
  LineNum?: number;
  Description?: string;
  Amount: number;
  DetailType: string;
  SalesItemLineDetail?: { ItemRef: Ref; Qty: number; UnitPrice: number };
  SubTotalLineDetail?: Record<string, never>;
  LinkedTxn?: LinkedTxn[];
}

export interface QboInvoice extends Base {
  DocNumber: string;
  TxnDate: string;
  DueDate?: string;
  SalesTermRef?: Ref;
  CustomerRef: Ref;
  CurrencyRef: Ref;
  ExchangeRate: number;
  TotalAmt: number;
  HomeTotalAmt?: number;
  Balance: number;
  HomeBalance: number;
  EmailStatus: "NotSet" | "NeedToSend" | "EmailSent";
  PrintStatus: "NotSet" | "NeedToPrint" | "PrintComplete";
  PrivateNote?: string;
  Line: QboLine[];
  LinkedTxn: LinkedTxn[];
  AllowOnlineCreditCardPayment: boolean;
  AllowOnlineACHPayment: boolean;
  InvoiceLink?: string;
}

export interface QboPayment extends Base {
  TxnDate: string;
  CustomerRef: Ref;
  CurrencyRef: Ref;
  ExchangeRate: number;
  TotalAmt: number;
  UnappliedAmt: number;
  ProcessPayment: boolean;
  Line: { Amount: number; LinkedTxn: LinkedTxn[] }[];
}

export interface QboCreditMemo extends Base {
  DocNumber: string;
  TxnDate: string;
  CustomerRef: Ref;
  CurrencyRef: Ref;
  TotalAmt: number;
  RemainingCredit: number;
  Balance: number;
  Line: QboLine[];
}

export interface QboAttachable extends Base {
  Note?: string;
  Tag?: string;
  Category?: string;
  AttachableRef: { IncludeOnSend: boolean; EntityRef: { type: string; value: string } }[];
}

/** What a deleted object turns into in CDC answers (ChangeDataCapture reference, "Deleted"). */
export interface Tombstone {
  status: "Deleted";
  domain: "QBO";
  Id: string;
  MetaData: { LastUpdatedTime: string };
}

export interface QboCompany {
  Customer: QboCustomer[];
  Term: QboTerm[];
  Invoice: QboInvoice[];
  Payment: QboPayment[];
  CreditMemo: QboCreditMemo[];
  Attachable: QboAttachable[];
}
export type EntityName = keyof QboCompany;
export const ENTITY_NAMES: readonly EntityName[] = [
  "Customer",
  "Term",
  "Invoice",
  "Payment",
  "CreditMemo",
  "Attachable",
];

const DAY_MS = 86_400_000;
const BRL: Ref = { value: "BRL", name: "Brazilian Real" };
const USD: Ref = { value: "USD", name: "United States Dollar" };
/** Home-currency units per US dollar on the fake's multicurrency invoices. */
export const USD_RATE = 5.1;

export const TERMS = {
  dueOnReceipt: "1",
  net15: "2",
  net30: "3",
  net60: "4",
  /** DATE_DRIVEN: due on the 10th; issued 5 days or less before the 10th → the 10th of next month. */
  tenthOfMonth: "6",
} as const;

export function money(value: number): number {
  return Math.round(value * 100) / 100;
}

export function stamp(ms: number): string {
  return toSaoPauloTimestamp(ms);
}

function meta(iso: string): MetaData {
  return { CreateTime: iso, LastUpdatedTime: iso };
}

function base(id: string, updatedMs: number): Base {
  const iso = stamp(updatedMs);
  return { Id: id, SyncToken: "0", domain: "QBO", sparse: false, MetaData: meta(iso) };
}

function terms(createdMs: number): QboTerm[] {
  const term = (id: string, Name: string, fields: Partial<QboTerm>): QboTerm => ({
    ...base(id, createdMs),
    Name,
    Active: true,
    Type: fields.DueDays === undefined ? "DATE_DRIVEN" : "STANDARD",
    DiscountPercent: 0,
    ...fields,
  });
  return [
    term(TERMS.dueOnReceipt, "Due on receipt", { DueDays: 0 }),
    term(TERMS.net15, "Net 15", { DueDays: 15 }),
    term(TERMS.net30, "Net 30", { DueDays: 30 }),
    term(TERMS.net60, "Net 60", { DueDays: 60 }),
    term(TERMS.tenthOfMonth, "Dia 10", { DayOfMonthDue: 10, DueNextMonthDays: 5 }),
  ];
}

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Which invoices leave DueDate out and carry only a SalesTermRef (QuickBooks computes DueDate
 * from the term in its UI, but imported and API-created invoices may have none): every 4th is
 * "Net 30" issued 30 days before its due date, every 7th is the DATE_DRIVEN "Dia 10".
 */
function termsOf(invoice: GeneratedInvoice): Pick<QboInvoice, "TxnDate" | "DueDate" | "SalesTermRef"> {
  if (invoice.id % 4 === 0) {
    return { TxnDate: addDays(invoice.dueDate, -30), SalesTermRef: { value: TERMS.net30, name: "Net 30" } };
  }
  if (invoice.id % 7 === 0) {
    return { TxnDate: invoice.issueDate, SalesTermRef: { value: TERMS.tenthOfMonth, name: "Dia 10" } };
  }
  return { TxnDate: invoice.issueDate, DueDate: invoice.dueDate, SalesTermRef: { value: TERMS.net15 } };
}

function invoiceOf(
  invoice: GeneratedInvoice,
  customerId: string,
  name: string,
  updatedMs: number,
): QboInvoice {
  const foreign = invoice.id % 11 === 0; // a few invoices in US dollars (multicurrency company)
  const rate = foreign ? USD_RATE : 1;
  const total = foreign ? money(Number(invoice.total) / USD_RATE) : Number(invoice.total);
  const paidShare = Number(invoice.paid) / Number(invoice.total);
  const voided = invoice.status === "cancelled";
  const balance = voided ? 0 : money(total * (1 - paidShare));
  const amount = voided ? 0 : total;
  return {
    ...base(String(invoice.id), updatedMs),
    DocNumber: invoice.number,
    ...termsOf(invoice),
    CustomerRef: { value: customerId, name },
    CurrencyRef: foreign ? USD : BRL,
    ExchangeRate: rate,
    TotalAmt: amount,
    HomeTotalAmt: money(amount * rate),
    Balance: balance,
    HomeBalance: money(balance * rate),
    EmailStatus: invoice.id % 3 === 0 ? "NotSet" : "EmailSent",
    PrintStatus: "NotSet",
    // QuickBooks appends "Voided" to the memo of a voided transaction.
    ...(voided ? { PrivateNote: "Voided" } : {}),
    Line: [
      {
        Id: "1",
        LineNum: 1,
        Description: "Mensalidade",
        Amount: amount,
        DetailType: "SalesItemLineDetail",
        SalesItemLineDetail: { ItemRef: { value: "1", name: "Services" }, Qty: 1, UnitPrice: amount },
      },
      { Amount: amount, DetailType: "SubTotalLineDetail", SubTotalLineDetail: {} },
    ],
    LinkedTxn: [],
    AllowOnlineCreditCardPayment: true,
    AllowOnlineACHPayment: true,
  };
}

/** The generator's neutral dataset as a QuickBooks company (ids are QuickBooks' own strings). */
export function datasetToCompany(dataset: Dataset, today: string): QboCompany {
  const todayMs = Date.parse(`${today}T12:00:00Z`);
  const customerIds = new Map<string, { id: string; name: string }>();
  const customers = dataset.customers.map((c, i): QboCustomer => {
    const id = String(i + 1);
    customerIds.set(c.code, { id, name: c.name });
    return {
      ...base(id, Math.min(Date.parse(c.updatedAt), todayMs - DAY_MS)),
      DisplayName: c.name,
      ...(c.kind === "cnpj" ? { CompanyName: c.name } : {}),
      Active: true,
      Balance: 0,
      CurrencyRef: BRL,
      PrimaryPhone: { FreeFormNumber: toNationalPhone(c.phone) },
      ...(i % 2 === 0 ? { Mobile: { FreeFormNumber: c.phone } } : {}),
      PrimaryEmailAddr: { Address: c.email },
      PrimaryTaxIdentifier: c.taxId,
      BillAddr: { City: c.city, CountrySubDivisionCode: c.state, Country: "BR" },
    };
  });
  const ref = (code: string) => customerIds.get(code) ?? { id: "1", name: "?" };
  const invoices = dataset.invoices.map((inv) => {
    const customer = ref(inv.customerCode);
    return invoiceOf(inv, customer.id, customer.name, Math.min(Date.parse(inv.updatedAt), todayMs));
  });
  const byId = new Map(invoices.map((inv) => [inv.Id, inv]));
  const payments = dataset.payments.map((p): QboPayment => {
    const customer = ref(p.customerCode);
    const lines = p.allocations.map((a) => {
      const invoice = byId.get(String(a.invoiceId));
      invoice?.LinkedTxn.push({ TxnId: String(p.id), TxnType: "Payment" });
      const amount = invoice ? money(invoice.TotalAmt - invoice.Balance) : Number(a.amount);
      return { Amount: amount, LinkedTxn: [{ TxnId: String(a.invoiceId), TxnType: "Invoice" as const }] };
    });
    const applied = lines.reduce((sum, l) => sum + l.Amount, 0);
    const over = p.id % 9 === 0 ? 25 : 0; // some customers paid more than they owed
    const invoice = byId.get(String(p.allocations[0]?.invoiceId));
    return {
      ...base(String(p.id), Math.min(Date.parse(`${p.date}T15:00:00Z`), todayMs)),
      TxnDate: p.date,
      CustomerRef: { value: customer.id, name: customer.name },
      CurrencyRef: invoice?.CurrencyRef ?? BRL,
      ExchangeRate: invoice?.ExchangeRate ?? 1,
      TotalAmt: money(applied + over),
      UnappliedAmt: over,
      ProcessPayment: false,
      Line: lines,
    };
  });
  const owed = new Map<string, number>();
  for (const i of invoices)
    owed.set(i.CustomerRef.value, (owed.get(i.CustomerRef.value) ?? 0) + i.HomeBalance);
  for (const customer of customers) customer.Balance = money(owed.get(customer.Id) ?? 0);
  const creditMemos = customers
    .filter((_, i) => i % 5 === 1)
    .map(
      (c, k): QboCreditMemo => ({
        ...base(String(900 + k), todayMs - 3 * DAY_MS),
        DocNumber: `CM-${900 + k}`,
        TxnDate: addDays(today, -3),
        CustomerRef: { value: c.Id, name: c.DisplayName },
        CurrencyRef: BRL,
        TotalAmt: 40,
        RemainingCredit: 40,
        Balance: 40,
        Line: [{ Amount: 40, DetailType: "SalesItemLineDetail" }],
      }),
    );
  return {
    Customer: customers,
    Term: terms(todayMs - 400 * DAY_MS),
    Invoice: invoices,
    Payment: payments,
    CreditMemo: creditMemos,
    Attachable: [],
  };
}
