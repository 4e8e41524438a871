import { Invoice } from "@regua/core";
import { expect } from "vitest";
import { type ConnectorHarness, defineConnectorSuite } from "./harness.js";

import { expectNotOlder, fingerprint, pickOpenInvoice } from "./invoices.js";

const notDeclared = (h: ConnectorHarness) =>
  h.capabilities.getInvoice ? undefined : "getInvoice not declared";

/** `getInvoice` reads one invoice from the ERP now, not from a cache of the last listing. */
export const getInvoiceSuite = defineConnectorSuite("getInvoice", {
  knownAndUnknown: {
    title: "getInvoice returns the record, and null for an unknown id",
    skipUnless: notDeclared,
    async run(h) {
      const connector = h.connector();
      const [first] = (await h.fullListing("invoices")).flatMap((page) => page.items);
      const fresh = await connector.getInvoice!(first!.externalId);
      expect(fresh?.externalId).toBe(first!.externalId);
      expect(Invoice.safeParse(fresh).success).toBe(true);
      expect(fresh?.source).toBe(h.instanceId);
      expect(await connector.getInvoice!(h.unknownInvoiceId)).toBeNull();
    },
  },
  freshAfterChange: {
    title: "getInvoice reads an invoice fresh after it changed in the ERP",
    skipUnless: (h) => notDeclared(h) ?? (h.mutate ? undefined : "no mutate hook"),
    async run(h) {
      const connector = h.connector();
      const target = await pickOpenInvoice(h);
      const before = await connector.getInvoice!(target.externalId);
      expect(before && fingerprint(before)).toEqual(fingerprint(target));
      await h.mutate!(target);
      const after = await connector.getInvoice!(target.externalId);
      expect(after, `invoice ${target.externalId} after its change`).not.toBeNull();
      expect(fingerprint(after!)).not.toEqual(fingerprint(target));
      expectNotOlder(after!, target);
    },
  },
});
