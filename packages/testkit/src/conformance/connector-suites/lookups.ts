import { type Customer, Invoice, isDunnable, normalizeTaxId } from "@regua/core";
import { expect } from "vitest";
import { type ConnectorHarness, defineConnectorSuite } from "./harness.js";

const notDeclared = (h: ConnectorHarness) => (h.capabilities.lookups ? undefined : "lookups not declared");

/** The bot's fresh reads: customers by CPF/CNPJ, and one customer's open invoices. */
export const lookupsSuite = defineConnectorSuite("lookups", {
  byTaxId: {
    title:
      "findCustomersByTaxId finds a listed customer by its normalised tax id, and nobody for an unknown one",
    skipUnless: notDeclared,
    async run(h, ctx) {
      const customers = (await h.fullListing("customers")).flatMap((page) => page.items) as Customer[];
      const known = customers.find((c) => c.taxId !== null);
      if (!known?.taxId) return ctx.skip("no listed customer has a tax id");
      const found = await h.connector().findCustomersByTaxId!(normalizeTaxId(known.taxId));
      expect(found.map((c) => c.externalId)).toContain(known.externalId);
      for (const customer of found) {
        expect(customer.source).toBe(h.instanceId);
        expect(normalizeTaxId(customer.taxId ?? "")).toBe(normalizeTaxId(known.taxId));
      }
      expect(await h.connector().findCustomersByTaxId!("00000000000")).toEqual([]);
    },
  },
  openInvoices: {
    title: "listOpenInvoices returns only that customer's open invoices, as the listing has them",
    skipUnless: notDeclared,
    async run(h, ctx) {
      // A listing now, not the shared one: other suites may have changed invoices since (mutate).
      const listed = (await h.list("invoices", { cursor: null })).flatMap((page) => page.items) as Invoice[];
      const open = listed.filter((i) => isDunnable(i.status) && !i.deletedAt);
      const customerRef = open[0]?.customerRef;
      if (customerRef === undefined) return ctx.skip("no open invoice in the listing");
      const fresh = await h.connector().listOpenInvoices!(customerRef);
      for (const invoice of fresh) {
        expect(Invoice.safeParse(invoice).success).toBe(true);
        expect(invoice.customerRef).toBe(customerRef);
        expect(isDunnable(invoice.status)).toBe(true);
      }
      const expected = open.filter((i) => i.customerRef === customerRef).map((i) => i.externalId);
      expect(fresh.map((i) => i.externalId).sort()).toEqual(expected.sort());
    },
  },
});
