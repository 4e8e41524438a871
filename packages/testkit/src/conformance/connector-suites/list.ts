import { Customer, type EntityName, Invoice, Payment } from "@regua/core";
import { expect } from "vitest";
import type { SuiteTest } from "../suite.js";
import { type ConnectorHarness, defineConnectorSuite, type ListedRecord } from "./harness.js";

const SCHEMAS = { customers: Customer, invoices: Invoice, payments: Payment } as const;

export function listedIds(pages: readonly { items: readonly ListedRecord[] }[]): string[] {
  return pages.flatMap((page) => page.items.map((item) => item.externalId));
}

function listsEntity(entity: EntityName): SuiteTest<ConnectorHarness> {
  return {
    title: `lists ${entity} that parse with the core schema, tagged with source, externalId and raw`,
    skipUnless: (h) =>
      entity === "payments" && !h.capabilities.payments ? "payments not declared" : undefined,
    async run(h) {
      const pages = await h.fullListing(entity);
      expect(pages.length, "a listing yields at least one page").toBeGreaterThan(0);
      expect(
        pages.flatMap((page) => page.rejects ?? []),
        "the fixture's records all map",
      ).toEqual([]);
      const records = pages.flatMap((page) => page.items);
      expect(records.length, `the fixture has ${entity}`).toBeGreaterThan(0);
      for (const record of records) {
        const parsed = SCHEMAS[entity].safeParse(record);
        expect(parsed.error?.issues ?? [], `${entity} ${record.externalId}`).toEqual([]);
        const tagged = record as { source?: unknown; externalId?: unknown; raw?: unknown };
        expect(tagged.source, `${entity} ${record.externalId}: source`).toBe(h.instanceId);
        expect(typeof tagged.externalId === "string" && tagged.externalId.length > 0).toBe(true);
        expect(tagged.raw, `${entity} ${record.externalId}: raw payload kept`).toBeDefined();
      }
    },
  };
}

/** Full listings: records parse with the core schemas, carry their origin, and page cleanly. */
export const listSuite = defineConnectorSuite("list", {
  customers: listsEntity("customers"),
  invoices: listsEntity("invoices"),
  payments: listsEntity("payments"),
  noDuplicates: {
    title: "pages without duplicates",
    async run(h) {
      for (const entity of ["customers", "invoices"] as const) {
        const all = listedIds(await h.fullListing(entity));
        const dupes = all.filter((id, i) => all.indexOf(id) !== i);
        expect(dupes, `${entity}: externalIds listed twice`).toEqual([]);
      }
    },
  },
  complete: {
    title: "lists every record the system holds, no more and no fewer (a lost page fails)",
    skipUnless: (h) => (h.holds ? undefined : "no holds hook"),
    async run(h) {
      const held = await h.holds!();
      const entities = (Object.keys(held) as EntityName[]).filter(
        (entity) => held[entity] !== undefined && (entity !== "payments" || h.capabilities.payments),
      );
      expect(entities.length, "holds names at least one entity").toBeGreaterThan(0);
      for (const entity of entities) {
        const listed = new Set(listedIds(await h.fullListing(entity)));
        const expected = new Set(held[entity]);
        const missing = [...expected].filter((id) => !listed.has(id)).sort();
        const extra = [...listed].filter((id) => !expected.has(id)).sort();
        expect({ missing, extra }, `${entity}: a full listing against what the system holds`).toEqual({
          missing: [],
          extra: [],
        });
      }
    },
  },
  multiplePages: {
    title: "lists invoices over several pages (the fixture sets a small page size)",
    async run(h) {
      const pages = await h.fullListing("invoices");
      expect(pages.length, "invoices span several pages (configure a small page size)").toBeGreaterThan(1);
    },
  },
});
