import type { DocumentKind, Invoice, InvoiceDocument } from "@regua/core";
import { z } from "zod";
import type { OdooClient } from "./client.js";

const Attachment = z.object({
  id: z.number().int(),
  name: z.string(),
  mimetype: z.string(),
  datas: z.union([z.string(), z.literal(false)]),
});

/**
 * The invoice's PDF: the report Odoo attaches to the invoice once it was printed or sent
 * (ir.attachment on account.move, application/pdf; message_main_attachment_id in 16/17,
 * invoice_pdf_report_id from 18). Rendering a report is not a public RPC method, so an invoice
 * never printed has none. Served as the "statement" kind: the second copy of the bill.
 */
export async function getDocument(
  client: OdooClient,
  invoice: Invoice,
  kind: DocumentKind,
): Promise<InvoiceDocument | null> {
  if (kind !== "statement" || !/^\d+$/.test(invoice.externalId)) return null;
  const rows = await client.call({
    model: "ir.attachment",
    method: "search_read",
    kwargs: {
      domain: [
        ["res_model", "=", "account.move"],
        ["res_id", "=", Number(invoice.externalId)],
        ["mimetype", "=", "application/pdf"],
      ],
      fields: ["name", "mimetype", "datas"],
      order: "id desc",
      limit: 1,
    },
    readOnly: true,
  });
  const found = z.array(Attachment).parse(rows)[0];
  if (!found || found.datas === false) return null;
  const bytes = Buffer.from(found.datas, "base64");
  if (bytes.byteLength === 0) return null;
  return { type: "file", kind, bytes, mime: found.mimetype, filename: found.name };
}
