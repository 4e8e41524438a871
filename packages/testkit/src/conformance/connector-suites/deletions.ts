import { type Invoice, isDunnable } from "@regua/core";
import { expect } from "vitest";
import { defineConnectorSuite } from "./harness.js";
import { pickOpenInvoice } from "./invoices.js";

/** Still chased after the ERP deleted or cancelled it: listed, dunnable and not marked deleted. */
const stillDunned = (invoice: Invoice | null | undefined): boolean =>
  invoice != null && isDunnable(invoice.status) && invoice.deletedAt == null;

/**
 * An invoice deleted or cancelled in the ERP must stop being dunned: a fresh full listing leaves
 * it out (the engine's full reconcile then marks it deleted) or lists it as not dunnable, and a
 * fresh read agrees. A connector serving a stale cache fails here.
 */
export const deletionsSuite = defineConnectorSuite("deletions", {
  removedInvoice: {
    title: "an invoice deleted or cancelled in the system is no longer listed as dunnable",
    skipUnless: (h) => (h.remove ? undefined : "no remove hook"),
    async run(h) {
      const target = await pickOpenInvoice(h);
      await h.remove!(target);
      const listed = (await h.list("invoices", {}))
        .flatMap((page) => page.items as Invoice[])
        .find((invoice) => invoice.externalId === target.externalId);
      expect(
        stillDunned(listed),
        `invoice ${target.externalId} after its removal: ${listed ? `listed as ${listed.status}` : "not listed"}`,
      ).toBe(false);
      const getInvoice = h.connector().getInvoice?.bind(h.connector());
      if (getInvoice) {
        const fresh = await getInvoice(target.externalId);
        expect(stillDunned(fresh), `getInvoice(${target.externalId}) after its removal`).toBe(false);
      }
    },
  },
});
