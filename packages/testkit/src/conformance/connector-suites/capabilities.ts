import { CAPABILITY_NAMES, implementsCapability } from "@regua/core";
import { expect } from "vitest";
import { defineConnectorSuite } from "./harness.js";

/** The instance's capabilities match its definition, and every declared method exists. */
export const capabilitiesSuite = defineConnectorSuite("capabilities", {
  honest: {
    title: "declares honest capabilities: every declared method exists",
    run(h) {
      const connector = h.connector();
      const caps = connector.capabilities;
      expect(typeof connector.listCustomers).toBe("function");
      expect(typeof connector.listInvoices).toBe("function");
      expect(typeof connector.healthCheck).toBe("function");
      for (const name of CAPABILITY_NAMES) {
        if (!caps[name]) continue;
        expect(h.capabilities[name], `${name} is not in the definition`).toBe(true);
        expect(implementsCapability(connector, name), `${name} declared but not implemented`).toBe(true);
      }
    },
  },
});
