import { randomUUID } from "node:crypto";
import { CollectionActivity } from "@regua/core";
import { expect } from "vitest";
import { defineConnectorSuite } from "./harness.js";

/** Write-back is replayed after crashes and retries: the same key must not write twice. */
export const writeBackIdempotencySuite = defineConnectorSuite("writeBackIdempotency", {
  oncePerKey: {
    title: "writes an activity once per key",
    skipUnless: (h) => (h.capabilities.writeActivity ? undefined : "writeActivity not declared"),
    async run(h) {
      const connector = h.connector();
      const [invoice] = (await h.fullListing("invoices")).flatMap((page) => page.items) as {
        externalId: string;
        customerRef: string;
      }[];
      const activity = CollectionActivity.parse({
        key: `conformance-${randomUUID()}`,
        source: h.instanceId,
        kind: "message_sent",
        customerRef: invoice!.customerRef,
        invoiceRefs: [invoice!.externalId],
        occurredAt: h.now().toISOString(),
        channel: "conformance",
        providerMessageId: "conformance-message-1",
        subject: "régua conformance: message sent",
        details: "written by describeConnectorConformance",
      });
      const first = await connector.writeActivity!(activity);
      expect(first.created).toBe(true);
      expect(first.externalId).toBeTruthy();
      const second = await connector.writeActivity!(activity);
      expect(second).toEqual({ externalId: first.externalId, created: false });
    },
  },
});
