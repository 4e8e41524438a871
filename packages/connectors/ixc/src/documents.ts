import {
  type DocumentKind,
  type Invoice,
  type InvoiceDocument,
  isDunnable,
  isReguaError,
  ValidationError,
} from "@regua/core";
import type { IxcClient } from "./client.js";
import { PixAnswer } from "./schemas.js";

/** IXC's "not open any more", "no PIX account", "no such boleto": no document, not a failure. */
function absent(error: unknown): boolean {
  return isReguaError(error) && (error.code === "PERMANENT" || error.code === "NOT_FOUND");
}

/**
 * The second copy of a bill, fetched when a message needs it: the boleto PDF (get_boleto, which
 * also generates the boleto — and with it linha_digitavel — when IXC had not yet), the PIX
 * copy-and-paste code (get_pix) where the tenant has PIX, the payment gateway link.
 */
export async function getDocument(
  client: IxcClient,
  invoice: Invoice,
  kind: DocumentKind,
): Promise<InvoiceDocument | null> {
  if (!/^\d+$/.test(invoice.externalId)) return null;
  try {
    if (kind === "boleto_pdf" && isDunnable(invoice.status)) return await boletoPdf(client, invoice);
    if (kind === "pix_code" && client.options.pix && isDunnable(invoice.status)) {
      return await pixCode(client, invoice);
    }
  } catch (error) {
    if (absent(error)) return null;
    throw error;
  }
  if (kind === "payment_link" && invoice.instruments.payLink) {
    return { type: "url", kind, url: invoice.instruments.payLink };
  }
  return null;
}

// POST /webservice/v1/get_boleto {boletos, juro, multa, atualiza_boleto, tipo_boleto: "arquivo",
// base64: "S"}: the PDF, base64-encoded, as the whole body (an error is `{type: "error"}`).
// Interest and fine are left to the boleto as issued ("N"): régua shows what IXC charges.
async function boletoPdf(client: IxcClient, invoice: Invoice): Promise<InvoiceDocument> {
  const body = await client.call(
    "get_boleto",
    {
      boletos: invoice.externalId,
      juro: "N",
      multa: "N",
      atualiza_boleto: "N",
      tipo_boleto: "arquivo",
      base64: "S",
    },
    "text",
  );
  const text = typeof body === "string" ? body.trim() : "";
  const bytes = Buffer.from(text, "base64");
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text) || bytes.subarray(0, 5).toString("latin1") !== "%PDF-") {
    throw new ValidationError(
      `ixc: get_boleto for receivable ${invoice.externalId} did not answer a PDF`,
      [],
      {
        provider: { system: "ixc" },
        where: "get_boleto",
      },
    );
  }
  return {
    type: "file",
    kind: "boleto_pdf",
    bytes: new Uint8Array(bytes),
    mime: "application/pdf",
    filename: `boleto-${invoice.number}.pdf`,
  };
}

// POST /webservice/v1/get_pix {id_areceber} → {type: "success", pix: {qrCode: {qrcode}}}.
async function pixCode(client: IxcClient, invoice: Invoice): Promise<InvoiceDocument | null> {
  const answer = PixAnswer.safeParse(await client.call("get_pix", { id_areceber: invoice.externalId }));
  return answer.success ? { type: "text", kind: "pix_code", text: answer.data.pix.qrCode.qrcode } : null;
}

/**
 * Before a send (the engine's fresh read): the boleto line — generating the boleto through
 * get_boleto when IXC has not printed it yet, then reading the line IXC filled in — and the PIX
 * code where the tenant has PIX. Listings leave both as IXC has them, to keep a sync cheap.
 */
export async function withInstruments(
  client: IxcClient,
  invoice: Invoice,
  reread: () => Promise<Invoice | null>,
): Promise<Invoice> {
  if (!isDunnable(invoice.status)) return invoice;
  let boletoLine = invoice.instruments.boletoLine;
  if (!boletoLine && (await getDocument(client, invoice, "boleto_pdf"))) {
    boletoLine = (await reread())?.instruments.boletoLine ?? null;
  }
  const pix = await getDocument(client, invoice, "pix_code");
  const pixCode = pix?.type === "text" ? pix.text : invoice.instruments.pixCode;
  return { ...invoice, instruments: { ...invoice.instruments, boletoLine, pixCode } };
}
