import { type BotInvoice, type BotLanguage, formatIsoDate, formatMoney, type Money } from "@regua/core";
import PDFDocument from "pdfkit";

/** The debt statement's own words (the bot's texts are the tenant's; these are the document's). */
const LABELS: Record<
  BotLanguage,
  { title: string; customer: string; bill: string; due: string; open: string; total: string; issued: string }
> = {
  "pt-BR": {
    title: "Extrato de débitos",
    customer: "Cliente",
    bill: "Fatura",
    due: "Vencimento",
    open: "Valor em aberto",
    total: "Total em aberto",
    issued: "Emitido em",
  },
  es: {
    title: "Estado de cuenta",
    customer: "Cliente",
    bill: "Factura",
    due: "Vencimiento",
    open: "Saldo pendiente",
    total: "Total pendiente",
    issued: "Emitido el",
  },
  en: {
    title: "Statement of account",
    customer: "Customer",
    bill: "Bill",
    due: "Due",
    open: "Open amount",
    total: "Total open",
    issued: "Issued on",
  },
};

const LOCALE: Record<BotLanguage, string> = { "pt-BR": "pt-BR", es: "es", en: "en-GB" };

export interface StatementInput {
  companyName: string;
  customerName: string;
  /** Shown masked: the statement may be forwarded. */
  taxId: string;
  invoices: readonly BotInvoice[];
  language: BotLanguage;
  /** When it was issued (the injected clock): also the PDF's creation date, so output is reproducible. */
  issuedAt: Date;
}

/**
 * The debt statement PDF: the company's name, the customer, one line per open title (number, due
 * date, open amount) and the total per currency, drawn with pdfkit (https://pdfkit.org).
 */
export function renderDebtStatement(input: StatementInput): Promise<Uint8Array> {
  const labels = LABELS[input.language];
  const locale = LOCALE[input.language];
  const doc = new PDFDocument({
    size: "A4",
    margin: 50,
    info: {
      Title: `${labels.title} - ${input.companyName}`,
      Author: input.companyName,
      CreationDate: input.issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  doc.on("data", (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Uint8Array>((resolve, reject) => {
    doc.on("end", () => resolve(new Uint8Array(Buffer.concat(chunks))));
    doc.on("error", reject);
  });

  doc.font("Helvetica-Bold").fontSize(16).text(input.companyName);
  doc.moveDown(0.3).fontSize(13).text(labels.title);
  doc.moveDown(0.8).font("Helvetica").fontSize(10);
  doc.text(`${labels.customer}: ${input.customerName} (${maskTaxId(input.taxId)})`);
  doc.text(`${labels.issued}: ${formatIsoDate(input.issuedAt.toISOString().slice(0, 10), locale)}`);
  doc.moveDown(1);

  const columns = { bill: 50, due: 260, open: 380 };
  const row = (bill: string, due: string, open: string, bold = false) => {
    const y = doc.y;
    doc.font(bold ? "Helvetica-Bold" : "Helvetica");
    doc.text(bill, columns.bill, y, { width: 200 });
    doc.text(due, columns.due, y, { width: 110 });
    doc.text(open, columns.open, y, { width: 160, align: "right" });
    doc.moveDown(0.4);
  };
  row(labels.bill, labels.due, labels.open, true);
  for (const invoice of input.invoices) {
    row(invoice.number, formatIsoDate(invoice.dueDate, locale), formatMoney(invoice.openAmount, locale));
  }
  doc.moveDown(0.6);
  for (const total of totals(input.invoices)) row(labels.total, "", formatMoney(total, locale), true);
  doc.end();
  return done;
}

function totals(invoices: readonly BotInvoice[]): Money[] {
  const byCurrency = new Map<string, number>();
  for (const { openAmount } of invoices) {
    byCurrency.set(openAmount.currency, (byCurrency.get(openAmount.currency) ?? 0) + openAmount.amountMinor);
  }
  return [...byCurrency].map(([currency, amountMinor]) => ({ currency, amountMinor }));
}

/** "52998224725" → "529.***.***-25"; a CNPJ keeps its first two and last two characters. */
export function maskTaxId(taxId: string): string {
  if (taxId.length === 11) return `${taxId.slice(0, 3)}.***.***-${taxId.slice(9)}`;
  if (taxId.length === 14) return `${taxId.slice(0, 2)}.***.***/****-${taxId.slice(12)}`;
  return `${taxId.slice(0, 2)}***`;
}
