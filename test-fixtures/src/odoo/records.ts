import type { Dataset, GeneratedCustomer, GeneratedInvoice } from "../generator.js";

/**
 * The fake Odoo's records, shaped as Odoo's ORM reads them over XML-RPC and JSON-2: many2one as
 * `[id, display_name]`, `false` for every empty field (never null), dates "YYYY-MM-DD",
 * datetimes "YYYY-MM-DD HH:MM:SS" in UTC, monetary fields as floats.
 * Field names from odoo/addons/account/models/account_move.py, account_move_line.py,
 * account_payment.py, odoo/addons/base/models/res_partner.py and odoo/addons/mail (16.0–19.0).
 */
export type Many2one = [number, string] | false;
export type OdooValue = string | number | boolean | null | OdooValue[] | { [key: string]: OdooValue };
export type OdooRecord = { id: number } & Record<string, OdooValue>;

export const COMPANY: [number, string] = [1, "Régua Demonstração Ltda"];
export const BRL: [number, string] = [6, "BRL"];
export const USD: [number, string] = [2, "USD"];
export const BRAZIL: [number, string] = [31, "Brazil"];
/** BRL per USD in the fake's books (res.currency.rate). */
export const USD_RATE = 5;

export interface OdooTables {
  "res.partner": OdooRecord[];
  "account.move": OdooRecord[];
  "account.move.line": OdooRecord[];
  "account.payment": OdooRecord[];
  "mail.message": OdooRecord[];
  "mail.activity": OdooRecord[];
  "mail.activity.type": OdooRecord[];
  "ir.model": OdooRecord[];
  "ir.attachment": OdooRecord[];
  "res.users": OdooRecord[];
  "res.users.apikeys": OdooRecord[];
}
export type ModelName = keyof OdooTables;

/** "2026-03-15T12:00:00.000Z" → "2026-03-15 12:00:00" (Odoo's Datetime.to_string, UTC). */
export function odooDatetime(iso: string | number): string {
  return new Date(iso).toISOString().slice(0, 19).replace("T", " ");
}

/** l10n_br writes CNPJ/CPF punctuated: 12.345.678/0001-95, 123.456.789-09. */
function punctuatedTaxId(customer: GeneratedCustomer): string {
  const d = customer.taxId.replace(/\D/g, "");
  return customer.kind === "cnpj"
    ? `${d.slice(0, 2)}.${d.slice(2, 5)}.${d.slice(5, 8)}/${d.slice(8, 12)}-${d.slice(12)}`
    : `${d.slice(0, 3)}.${d.slice(3, 6)}.${d.slice(6, 9)}-${d.slice(9)}`;
}

/** "+5511987654321" → "(11) 98765-4321", as people type it into the partner form. */
function nationalPhone(e164: string): string {
  const n = e164.replace(/^\+55/, "");
  return `(${n.slice(0, 2)}) ${n.slice(2, 7)}-${n.slice(7)}`;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

interface SeedOptions {
  /** Odoo 18 dropped res.partner.mobile: only 16 and 17 carry it. */
  major: number;
  /** Each posted invoice's PDF as an ir.attachment (the report Odoo keeps once printed or sent). */
  attachments: boolean;
}

/** Partners: each generated customer is a commercial entity; companies get a billing contact. */
function partners(
  dataset: Dataset,
  options: SeedOptions,
): { rows: OdooRecord[]; billTo: Map<string, Many2one> } {
  const rows: OdooRecord[] = [];
  const billTo = new Map<string, Many2one>();
  let contactId = 900_000;
  dataset.customers.forEach((customer, index) => {
    const id = 1000 + index;
    const company = customer.kind === "cnpj";
    const record: OdooRecord = {
      id,
      name: customer.name,
      display_name: customer.name,
      is_company: company,
      parent_id: false,
      commercial_partner_id: [id, customer.name],
      vat: punctuatedTaxId(customer),
      phone: index % 3 === 0 ? false : nationalPhone(customer.phone),
      email: customer.email,
      lang: "pt_BR",
      country_id: BRAZIL,
      country_code: "BR",
      customer_rank: 1,
      active: true,
      write_date: odooDatetime(customer.updatedAt),
    };
    if (options.major < 18) record.mobile = index % 3 === 0 ? nationalPhone(customer.phone) : false;
    rows.push(record);
    billTo.set(customer.code, [id, customer.name]);
    if (company && index % 2 === 0) {
      // Invoices addressed to a contact person: the commercial entity is still the company.
      const contact = contactId++;
      const name = `${customer.name}, Financeiro`;
      rows.push({
        id: contact,
        name: "Financeiro",
        display_name: name,
        is_company: false,
        parent_id: [id, customer.name],
        commercial_partner_id: [id, customer.name],
        vat: punctuatedTaxId(customer),
        phone: false,
        email: `financeiro.${customer.email}`,
        lang: "pt_BR",
        country_id: BRAZIL,
        country_code: "BR",
        customer_rank: 0,
        active: true,
        write_date: odooDatetime(customer.updatedAt),
        ...(options.major < 18 ? { mobile: false } : {}),
      });
      billTo.set(customer.code, [contact, name]);
    }
  });
  return { rows, billTo };
}

export interface Seeded {
  tables: OdooTables;
}

/** Turns the neutral dataset into Odoo tables (and a few Odoo-only cases: USD, refunds, installments). */
export function seedTables(dataset: Dataset, options: SeedOptions): OdooTables {
  const { rows: partnerRows, billTo } = partners(dataset, options);
  const commercial = new Map(partnerRows.map((p) => [p.id, p.commercial_partner_id as Many2one]));
  const moves: OdooRecord[] = [];
  const lines: OdooRecord[] = [];
  const payments: OdooRecord[] = [];
  let lineId = 1;
  let paymentId = 1;
  for (const invoice of dataset.invoices) {
    const partner = billTo.get(invoice.customerCode) ?? false;
    const move = moveOf(invoice, partner, partner ? (commercial.get(partner[0]) ?? partner) : false);
    moves.push(move);
    const terms = invoice.id % 4 === 0 ? 3 : 1;
    lines.push(...termLines(move, terms, () => lineId++));
    if (Number(invoice.paid) > 0 && move.state === "posted") {
      payments.push(paymentOf(move, Number(invoice.paid), paymentId++, options.major));
    }
  }
  return {
    "res.partner": partnerRows,
    "account.move": moves,
    "account.move.line": lines,
    "account.payment": payments,
    "mail.message": [],
    "mail.activity": [],
    "mail.activity.type": [
      { id: 2, name: "Call", category: "phonecall", res_model: false },
      { id: 4, name: "To-Do", category: "default", res_model: false },
    ],
    "ir.model": [
      { id: 242, model: "account.move", name: "Journal Entry" },
      { id: 78, model: "res.partner", name: "Contact" },
    ],
    "ir.attachment": options.attachments ? moves.filter((m) => m.state === "posted").map(invoicePdf) : [],
    "res.users": [{ id: 2, name: "Mitchell Admin", login: "admin", api_key_ids: [] }],
    "res.users.apikeys": [],
  };
}

function moveOf(invoice: GeneratedInvoice, partner: Many2one, commercialPartner: Many2one): OdooRecord {
  // Every 7th invoice is billed in USD (multi-currency: the company currency stays BRL).
  const usd = invoice.id % 7 === 3;
  const total = Number(invoice.total);
  const paid = Number(invoice.paid);
  const residual = invoice.status === "cancelled" ? total : round2(total - paid);
  const rate = usd ? USD_RATE : 1;
  const paymentState =
    invoice.status === "cancelled" ? "not_paid" : residual <= 0 ? "paid" : paid > 0 ? "partial" : "not_paid";
  return {
    id: invoice.id,
    name: `INV/${invoice.issueDate.slice(0, 4)}/${String(invoice.id).padStart(5, "0")}`,
    move_type: "out_invoice",
    state: invoice.status === "cancelled" ? "cancel" : "posted",
    posted_before: true,
    payment_state: paymentState,
    partner_id: partner,
    commercial_partner_id: commercialPartner,
    invoice_date: invoice.issueDate,
    invoice_date_due: invoice.dueDate,
    amount_total: total,
    amount_residual: invoice.status === "cancelled" ? 0 : residual,
    amount_total_signed: round2(total * rate),
    amount_residual_signed: invoice.status === "cancelled" ? 0 : round2(residual * rate),
    currency_id: usd ? USD : BRL,
    company_currency_id: BRL,
    company_id: COMPANY,
    invoice_origin: false,
    ref: false,
    reversed_entry_id: false,
    write_date: odooDatetime(invoice.updatedAt),
  };
}

/** Receivable lines (display_type "payment_term"), one per due date; installments split the total. */
export function termLines(move: OdooRecord, count: number, nextId: () => number): OdooRecord[] {
  const total = Number(move.amount_total);
  const residual = Number(move.amount_residual);
  const rate =
    move.currency_id === USD || (Array.isArray(move.currency_id) && move.currency_id[0] === USD[0])
      ? USD_RATE
      : 1;
  const due = String(move.invoice_date_due);
  const out: OdooRecord[] = [];
  let paidLeft = round2(total - residual);
  for (let k = 0; k < count; k++) {
    const share =
      k === count - 1 ? round2(total - round2(total / count) * (count - 1)) : round2(total / count);
    const paidHere = Math.min(share, paidLeft);
    paidLeft = round2(paidLeft - paidHere);
    const open = move.state === "cancel" ? 0 : round2(share - paidHere);
    out.push({
      id: nextId(),
      move_id: [move.id, String(move.name)],
      display_type: "payment_term",
      date_maturity: addDays(due, (k - (count - 1)) * 30),
      amount_currency: share,
      amount_residual_currency: open,
      balance: round2(share * rate),
      amount_residual: round2(open * rate),
      reconciled: open === 0,
      currency_id: move.currency_id ?? false,
      write_date: String(move.write_date),
    });
  }
  return out;
}

/** account.payment states: 16/17 mirror the move (posted); 18 added in_process/paid. */
export function paymentOf(move: OdooRecord, amount: number, id: number, major: number): OdooRecord {
  return {
    id,
    name: `PBNK1/${String(move.invoice_date).slice(0, 4)}/${String(id).padStart(5, "0")}`,
    partner_id: move.commercial_partner_id ?? false,
    amount,
    currency_id: move.currency_id ?? false,
    date: String(move.invoice_date_due),
    payment_type: "inbound",
    partner_type: "customer",
    state: major >= 18 ? "paid" : "posted",
    reconciled_invoice_ids: [move.id],
    write_date: String(move.write_date),
  };
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** A small valid PDF naming the invoice, as account.move's report would attach it. */
function invoicePdf(move: OdooRecord): OdooRecord {
  const text = `Fatura ${String(move.name)}`;
  const stream = `BT /F1 18 Tf 72 720 Td (${text}) Tj ET`;
  const pdf = [
    "%PDF-1.4",
    "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
    "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj",
    "3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj",
    `4 0 obj << /Length ${stream.length} >> stream\n${stream}\nendstream endobj`,
    "trailer << /Root 1 0 R >>",
    "%%EOF",
  ].join("\n");
  return {
    id: move.id,
    name: `${String(move.name).replace(/\//g, "_")}.pdf`,
    res_model: "account.move",
    res_id: move.id,
    mimetype: "application/pdf",
    type: "binary",
    datas: Buffer.from(pdf, "latin1").toString("base64"),
    write_date: String(move.write_date),
  };
}

/** The largest of many numbers (Math.max(...list) overflows the stack past ~100,000). */
export function maxOf(values: Iterable<number>, floor = 0): number {
  let max = floor;
  for (const value of values) if (value > max) max = value;
  return max;
}
