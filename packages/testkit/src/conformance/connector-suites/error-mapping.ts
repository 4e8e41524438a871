import { isReguaError } from "@regua/core";
import { expect } from "vitest";
import { captureError, explain } from "../shared.js";
import { type ConnectorHarness, defineConnectorSuite } from "./harness.js";

const noBadCredentials = (h: ConnectorHarness) =>
  h.createWithBadCredentials ? undefined : "no badCredentials options";

/** The ERP's refusals surface as core errors the engine can act on (AUTH stops, does not retry). */
export const errorMappingSuite = defineConnectorSuite("errorMapping", {
  authError: {
    title: "fails with AuthError (code AUTH) on bad credentials",
    skipUnless: noBadCredentials,
    async run(h) {
      const bad = await h.createWithBadCredentials!();
      try {
        const error = await captureError(async () => {
          for await (const _page of bad.listCustomers({})) break;
        });
        expect(isReguaError(error) && error.code, explain(error)).toBe("AUTH");
      } finally {
        await bad.close();
      }
    },
  },
  unhealthyOnBadCredentials: {
    title: "reports not ok from its health check on bad credentials",
    skipUnless: noBadCredentials,
    async run(h) {
      const bad = await h.createWithBadCredentials!();
      try {
        const health = await bad.healthCheck().catch((e: unknown) => ({ ok: false, detail: explain(e) }));
        expect(health.ok, "health check with bad credentials").toBe(false);
      } finally {
        await bad.close();
      }
    },
  },
});
