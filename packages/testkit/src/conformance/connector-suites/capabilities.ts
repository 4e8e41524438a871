import { expect } from "vitest";
import { defineConnectorSuite } from "./harness.js";

/** The instance's capabilities match its definition, and every declared method exists. */
export const capabilitiesSuite = defineConnectorSuite("capabilities", {
  honest: {
    title: "declares honest capabilities: every declared method exists",
    run(h) {
      const connector = h.connector();
      const caps = connector.capabilities;
      for (const key of [
        "payments",
        "getInvoice",
        "writeActivity",
        "webhooks",
        "documents",
        "lookups",
      ] as const) {
        if (caps[key]) expect(h.capabilities[key], `${key} is not in the definition`).toBe(true);
      }
      expect(typeof connector.listCustomers).toBe("function");
      expect(typeof connector.listInvoices).toBe("function");
      expect(typeof connector.healthCheck).toBe("function");
      if (caps.payments) expect(typeof connector.listPayments, "payments declared").toBe("function");
      if (caps.getInvoice) expect(typeof connector.getInvoice, "getInvoice declared").toBe("function");
      if (caps.writeActivity)
        expect(typeof connector.writeActivity, "writeActivity declared").toBe("function");
      if (caps.documents) expect(typeof connector.getDocument, "documents declared").toBe("function");
      if (caps.lookups) {
        expect(typeof connector.findCustomersByTaxId, "lookups declared").toBe("function");
        expect(typeof connector.listOpenInvoices, "lookups declared").toBe("function");
      }
      if (caps.webhooks) {
        expect(typeof connector.webhook?.verify, "webhooks declared").toBe("function");
        expect(typeof connector.webhook?.parse, "webhooks declared").toBe("function");
      }
    },
  },
});
