import {
  type Customer,
  type DocumentKind,
  type Invoice,
  type InvoiceDocument,
  isDunnable,
  normalizeTaxId,
} from "@regua/core";

/** What the memory connector's documents and lookups read: its stored records, parsed. */
export interface MemoryReads {
  customers(): Customer[];
  invoices(): Invoice[];
}

/**
 * A one-page PDF with the text given: small, valid, and enough for a channel to upload. Real
 * connectors fetch the ERP's own PDF (a boleto from the bank's registration, a statement).
 */
export function tinyPdf(text: string): Uint8Array {
  const escaped = text.replace(/[()\\]/g, (c) => `\\${c}`);
  const stream = `BT /F1 12 Tf 40 800 Td (${escaped}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((object, index) => {
    offsets.push(body.length);
    body += `${index + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(body);
}

/** Documents from what the invoice carries: its boleto line, PIX code and pay link; a statement of the customer. */
export function memoryDocument(
  reads: MemoryReads,
  invoice: Invoice,
  kind: DocumentKind,
): InvoiceDocument | null {
  const { boletoLine, pixCode, payLink } = invoice.instruments;
  switch (kind) {
    case "boleto_pdf":
      return boletoLine
        ? {
            type: "file",
            kind,
            bytes: tinyPdf(`Boleto ${invoice.number}: ${boletoLine}`),
            mime: "application/pdf",
            filename: `boleto-${invoice.number}.pdf`,
          }
        : null;
    case "pix_code":
      return pixCode ? { type: "text", kind, text: pixCode } : null;
    case "payment_link":
      return payLink ? { type: "url", kind, url: payLink } : null;
    case "statement": {
      const open = openInvoicesOf(reads, invoice.customerRef).map(
        (i) => `${i.number} ${i.dueDate} ${i.openAmount.amountMinor}`,
      );
      const text = `Statement ${invoice.customerRef}: ${open.join("; ") || "nothing open"}`;
      return {
        type: "file",
        kind,
        bytes: tinyPdf(text),
        mime: "application/pdf",
        filename: `statement-${invoice.customerRef}.pdf`,
      };
    }
    case "agreement_term":
      return null;
  }
}

/** Customers whose tax id is this one, however either side is formatted. */
export function customersByTaxId(reads: MemoryReads, taxId: string): Customer[] {
  const wanted = normalizeTaxId(taxId);
  return reads.customers().filter((c) => c.taxId !== null && normalizeTaxId(c.taxId) === wanted);
}

export function openInvoicesOf(reads: MemoryReads, customerRef: string): Invoice[] {
  return reads
    .invoices()
    .filter((i) => i.customerRef === customerRef && isDunnable(i.status) && !i.deletedAt);
}
