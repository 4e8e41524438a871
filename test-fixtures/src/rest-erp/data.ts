import type { Dataset, GeneratedCustomer, GeneratedInvoice, GeneratedPayment } from "../generator.js";

/**
 * The fake REST ERP's wire format, shaped like most Brazilian ERPs' JSON APIs: snake_case,
 * decimals as strings ("1234.56"), calendar dates as YYYY-MM-DD, timestamps in São Paulo time
 * with an offset, statuses in Portuguese, phones as people type them.
 */
export interface RestErpCustomer {
  id: string;
  name: string;
  tax_id: string;
  tax_id_type: "cpf" | "cnpj";
  phone: string;
  email: string;
  city: string;
  state: string;
  segment: string;
  tier: number;
  updated_at: string;
}

export type RestErpInvoiceStatus = "aberta" | "parcial" | "paga" | "cancelada";

export interface RestErpInvoice {
  id: number;
  number: string;
  customer_id: string;
  issue_date: string;
  due_date: string;
  total: string;
  amount_paid: string;
  balance: string;
  currency: string;
  status: RestErpInvoiceStatus;
  boleto: { digitable_line: string } | null;
  pix: { copy_paste: string } | null;
  updated_at: string;
}

export interface RestErpPayment {
  id: number;
  customer_id: string;
  date: string;
  amount: string;
  allocations: { invoice_id: number; amount: string }[];
  updated_at: string;
}

export interface RestErpActivity {
  id: string;
  idempotency_key: string | null;
  customer_id: string;
  invoice_ids: string[];
  type: string;
  subject: string;
  description: string;
  occurred_at: string;
  channel: string | null;
  provider_message_id: string | null;
  created_at: string;
}

export interface RestErpData {
  customers: RestErpCustomer[];
  invoices: RestErpInvoice[];
  payments: RestErpPayment[];
  activities: RestErpActivity[];
}

const SAO_PAULO_OFFSET_MS = 3 * 3_600_000;

/** "2026-03-14T12:00:00.000Z" → "2026-03-14T09:00:00-03:00" (seconds precision, as ERPs send). */
export function toSaoPauloTimestamp(ms: number): string {
  return `${new Date(ms - SAO_PAULO_OFFSET_MS).toISOString().slice(0, 19)}-03:00`;
}

/** "+5511987654321" → "(11) 98765-4321": how people type phones into a Brazilian ERP. */
export function toNationalPhone(e164: string): string {
  const national = e164.replace(/^\+55/, "");
  const ddd = national.slice(0, 2);
  const rest = national.slice(2);
  return `(${ddd}) ${rest.slice(0, rest.length - 4)}-${rest.slice(-4)}`;
}

/** Subtracts two 2-place decimal strings in whole cents (each side rounded to cents first). */
export function subtractDecimal(a: string, b: string): string {
  const cents = Math.round(Number(a) * 100) - Math.round(Number(b) * 100);
  return (cents / 100).toFixed(2);
}

function customerToWire(c: GeneratedCustomer): RestErpCustomer {
  return {
    id: c.code,
    name: c.name,
    tax_id: c.taxId,
    tax_id_type: c.kind,
    phone: toNationalPhone(c.phone),
    email: c.email,
    city: c.city,
    state: c.state,
    segment: c.segment,
    tier: c.value,
    updated_at: toSaoPauloTimestamp(Date.parse(c.updatedAt)),
  };
}

function invoiceStatus(i: GeneratedInvoice): RestErpInvoiceStatus {
  if (i.status === "cancelled") return "cancelada";
  if (i.status === "paid") return "paga";
  return i.paid === "0.00" ? "aberta" : "parcial";
}

function invoiceToWire(i: GeneratedInvoice): RestErpInvoice {
  return {
    id: i.id,
    number: i.number,
    customer_id: i.customerCode,
    issue_date: i.issueDate,
    due_date: i.dueDate,
    total: i.total,
    amount_paid: i.paid,
    balance: i.status === "cancelled" ? "0.00" : subtractDecimal(i.total, i.paid),
    currency: i.currency,
    status: invoiceStatus(i),
    boleto: { digitable_line: i.boletoLine },
    pix: { copy_paste: i.pixCode },
    updated_at: toSaoPauloTimestamp(Date.parse(i.updatedAt)),
  };
}

function paymentToWire(p: GeneratedPayment): RestErpPayment {
  return {
    id: p.id,
    customer_id: p.customerCode,
    date: p.date,
    amount: p.amount,
    allocations: p.allocations.map((a) => ({ invoice_id: a.invoiceId, amount: a.amount })),
    updated_at: toSaoPauloTimestamp(Date.parse(`${p.date}T15:00:00Z`)),
  };
}

export function datasetToWire(dataset: Dataset): RestErpData {
  return {
    customers: dataset.customers.map(customerToWire),
    invoices: dataset.invoices.map(invoiceToWire),
    payments: dataset.payments.map(paymentToWire),
    activities: [],
  };
}
