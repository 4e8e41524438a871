import { type Dataset, generateDataset } from "../generator.js";

/**
 * The generator's ERP-neutral records in Service Layer shapes, as a Brazilian company's
 * SAP Business One holds them: currency "R$", CPF/CNPJ with punctuation, phones as people
 * type them, enum member names, UDFs for the boleto line and the PIX code.
 */
export type Row = Record<string, unknown>;

export interface SeedOptions {
  seed: number;
  customers: number;
  today: string;
  invoicesPerCustomer?: number;
  udf: { boletoLine?: string; pixCode?: string };
}

export interface SeedRows {
  BusinessPartners: Row[];
  Invoices: Row[];
  CreditNotes: Row[];
  IncomingPayments: Row[];
  Activities: Row[];
}

export const LOCAL_CURRENCY = "R$";

export function slDate(isoDate: string): string {
  return `${isoDate.slice(0, 10)}T00:00:00Z`;
}

export function slStamp(iso: string): { UpdateDate: string; UpdateTime: string } {
  return { UpdateDate: slDate(iso), UpdateTime: iso.slice(11, 19) };
}

function formatTaxId(digits: string): string {
  return digits.length === 11
    ? `${digits.slice(0, 3)}.${digits.slice(3, 6)}.${digits.slice(6, 9)}-${digits.slice(9)}`
    : `${digits.slice(0, 2)}.${digits.slice(2, 5)}.${digits.slice(5, 8)}/${digits.slice(8, 12)}-${digits.slice(12)}`;
}

/** "+5511987654321" → "(11) 98765-4321", the way it is typed into the BP master data. */
function localPhone(e164: string): string {
  const national = e164.replace(/^\+55/, "");
  return `(${national.slice(0, 2)}) ${national.slice(2, 7)}-${national.slice(7)}`;
}

export function seedRows(options: SeedOptions): { rows: SeedRows; dataset: Dataset } {
  const dataset = generateDataset(options);
  const partners: Row[] = dataset.customers.map((c) => ({
    CardCode: c.code,
    CardName: c.name,
    CardType: "cCustomer",
    Phone1: localPhone(c.phone),
    Cellular: c.phone.replace(/^\+55/, ""),
    EmailAddress: c.email,
    FederalTaxID: formatTaxId(c.taxId),
    Country: "BR",
    Currency: LOCAL_CURRENCY,
    Valid: "tYES",
    Frozen: "tNO",
    CreateDate: slDate(c.updatedAt),
    ...slStamp(c.updatedAt),
  }));
  // A few suppliers: régua must filter on CardType and never dun them.
  const suppliers = Math.max(1, Math.floor(options.customers / 50));
  for (let i = 1; i <= suppliers; i++) {
    partners.push({
      CardCode: `F${String(i).padStart(6, "0")}`,
      CardName: `Fornecedor ${i} Ltda`,
      CardType: "cSupplier",
      Country: "BR",
      Currency: LOCAL_CURRENCY,
      ...slStamp(`${options.today}T09:00:00.000Z`),
    });
  }
  const names = new Map(dataset.customers.map((c) => [c.code, c.name]));
  const invoices: Row[] = dataset.invoices.map((inv) => ({
    DocEntry: inv.id,
    DocNum: Number(inv.number),
    CardCode: inv.customerCode,
    CardName: names.get(inv.customerCode),
    DocDate: slDate(inv.issueDate),
    DocDueDate: slDate(inv.dueDate),
    DocTotal: Number(inv.total),
    PaidToDate: Number(inv.paid),
    DocCurrency: LOCAL_CURRENCY,
    DocumentStatus: inv.status === "open" ? "bost_Open" : "bost_Close",
    Cancelled: inv.status === "cancelled" ? "tYES" : "tNO",
    CreationDate: slDate(inv.issueDate),
    ...slStamp(inv.updatedAt),
    ...(options.udf.boletoLine ? { [options.udf.boletoLine]: inv.boletoLine } : {}),
    ...(options.udf.pixCode ? { [options.udf.pixCode]: inv.pixCode } : {}),
  }));
  const payments: Row[] = dataset.payments.map((p) => ({
    DocEntry: p.id,
    DocNum: 500_000 + p.id,
    DocDate: slDate(p.date),
    CardCode: p.customerCode,
    DocCurrency: LOCAL_CURRENCY,
    CashSum: 0,
    TransferSum: Number(p.amount),
    Cancelled: "tNO",
    PaymentInvoices: p.allocations.map((a, line) => ({
      LineNum: line,
      DocEntry: a.invoiceId,
      SumApplied: Number(a.amount),
      InvoiceType: "it_Invoice",
    })),
  }));
  return {
    rows: {
      BusinessPartners: partners,
      Invoices: invoices,
      CreditNotes: [],
      IncomingPayments: payments,
      Activities: [],
    },
    dataset,
  };
}
