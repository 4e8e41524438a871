import { DOCUMENT_KINDS, type Invoice, InvoiceDocument } from "@regua/core";
import { expect } from "vitest";
import { type ConnectorHarness, defineConnectorSuite } from "./harness.js";

const notDeclared = (h: ConnectorHarness) =>
  h.capabilities.documents ? undefined : "documents not declared";

async function listedInvoices(h: ConnectorHarness): Promise<Invoice[]> {
  const pages = await h.fullListing("invoices");
  return pages.flatMap((page) => page.items) as Invoice[];
}

/** `getDocument`: the second copy of a bill, typed (file, text or link), of the kind asked for. */
export const documentsSuite = defineConnectorSuite("documents", {
  typedDocuments: {
    title: "getDocument answers every kind with a typed document of that kind, or null",
    skipUnless: notDeclared,
    async run(h) {
      const connector = h.connector();
      const invoices = (await listedInvoices(h)).slice(0, 5);
      let found = 0;
      for (const invoice of invoices) {
        for (const kind of DOCUMENT_KINDS) {
          const document = await connector.getDocument!(invoice, kind);
          if (document === null) continue;
          const parsed = InvoiceDocument.safeParse(document);
          expect(
            parsed.success,
            `${invoice.externalId} ${kind}: ${JSON.stringify(parsed.error?.issues)}`,
          ).toBe(true);
          expect(document.kind).toBe(kind);
          found += 1;
        }
      }
      expect(
        found,
        "a connector declaring documents returns at least one for the first invoices",
      ).toBeGreaterThan(0);
    },
  },
  pdfIsPdf: {
    title: "a boleto or statement file in application/pdf starts with %PDF",
    skipUnless: notDeclared,
    async run(h, ctx) {
      const connector = h.connector();
      for (const invoice of (await listedInvoices(h)).slice(0, 5)) {
        for (const kind of ["boleto_pdf", "statement"] as const) {
          const document = await connector.getDocument!(invoice, kind);
          if (document?.type !== "file" || document.mime !== "application/pdf") continue;
          expect(new TextDecoder().decode(document.bytes.subarray(0, 5))).toBe("%PDF-");
          return;
        }
      }
      ctx.skip("no PDF document among the first invoices");
    },
  },
});
