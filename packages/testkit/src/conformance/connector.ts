import { randomUUID } from "node:crypto";
import {
  CollectionActivity,
  type Connector,
  type ConnectorDefinition,
  Customer,
  type EntityName,
  Invoice,
  isReguaError,
  type ListQuery,
  type Page,
  Payment,
} from "@regua/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { TestContextOptions } from "../context.js";
import { HealthSchema } from "../schemas.js";
import {
  captureError,
  explain,
  makeContext,
  type OptionsOrFactory,
  parseOptions,
  resolveOptions,
} from "./shared.js";

export interface ConnectorConformanceOptions<TSchema extends z.ZodType, TFixture = undefined> {
  /** Shown in the suite title: "connector conformance: <name>". */
  name: string;
  definition: ConnectorDefinition<TSchema>;
  /** What config would hold under `options:` (secrets already resolved). */
  options: OptionsOrFactory<z.input<TSchema>, TFixture>;
  /** Starts what the connector talks to (a fake server) and returns a handle passed to the other hooks. */
  setup?: () => TFixture | Promise<TFixture>;
  teardown?: (fixture: TFixture) => void | Promise<void>;
  /**
   * Changes `invoice` in the system behind the connector (pay it, edit it) so its change marker
   * moves. Without it the incremental and freshness checks are skipped.
   */
  mutate?: (fixture: TFixture, invoice: Invoice) => void | Promise<void>;
  /** Options with wrong credentials; the connector must fail with AuthError. Skipped when absent. */
  badCredentials?: OptionsOrFactory<z.input<TSchema>, TFixture>;
  /** Instance id records must carry as `source`. Default "conformance". */
  instanceId?: string;
  /** Clock, logger, state for the test context. */
  context?: Omit<TestContextOptions, "instanceId">;
  /** The fixture must list invoices over more than one page (default true): set a small page size. */
  requireMultiplePages?: boolean;
  /** An incremental listing with no changes must be smaller than a full one (default true). */
  requireIncremental?: boolean;
  /** An invoice id the system does not have. Default "regua-conformance-missing-0". */
  unknownInvoiceId?: string;
  /** Per-test timeout. Default 30 s. */
  timeoutMs?: number;
}

type Lister = (query: ListQuery) => AsyncIterable<Page<{ externalId: string }>>;

const SCHEMAS = { customers: Customer, invoices: Invoice, payments: Payment } as const;

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const all: Page<T>[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

function lister(connector: Connector, entity: EntityName): Lister | undefined {
  if (entity === "customers") return (q) => connector.listCustomers(q);
  if (entity === "invoices") return (q) => connector.listInvoices(q);
  return connector.listPayments ? (q) => connector.listPayments!(q) : undefined;
}

function ids(pages: readonly Page<{ externalId: string }>[]): string[] {
  return pages.flatMap((page) => page.items.map((item) => item.externalId));
}

/**
 * The suite every connector runs: honest capabilities, records that parse with the core
 * schemas, gapless resumable paging, incremental listing, fresh reads, idempotent write-back,
 * health and auth failures. Call it at the top level of a vitest file.
 */
export function describeConnectorConformance<TSchema extends z.ZodType, TFixture = undefined>(
  suite: ConnectorConformanceOptions<TSchema, TFixture>,
): void {
  const instanceId = suite.instanceId ?? "conformance";
  const timeout = suite.timeoutMs ?? 30_000;
  const where = `connector ${suite.definition.id}`;

  describe(`connector conformance: ${suite.name}`, () => {
    let fixture: TFixture;
    let connector: Connector;
    const listings = new Map<EntityName, Promise<Page<{ externalId: string }>[]>>();
    const fullListing = (entity: EntityName) => {
      let listing = listings.get(entity);
      if (!listing) {
        const list = lister(connector, entity);
        if (!list) throw new Error(`${where}: no list method for ${entity}`);
        listing = collect(list({}));
        listings.set(entity, listing);
      }
      return listing;
    };
    const create = async (input: z.input<TSchema>) =>
      suite.definition.create(
        parseOptions(suite.definition.optionsSchema, input, where),
        makeContext(instanceId, suite.context),
      );

    beforeAll(async () => {
      fixture = (suite.setup ? await suite.setup() : undefined) as TFixture;
      connector = await create(resolveOptions(suite.options, fixture));
    }, timeout);

    afterAll(async () => {
      await connector?.close();
      if (suite.teardown) await suite.teardown(fixture);
    }, timeout);

    it("declares honest capabilities: every declared method exists", () => {
      const caps = connector.capabilities;
      for (const key of ["payments", "getInvoice", "writeActivity", "webhooks"] as const) {
        if (caps[key])
          expect(suite.definition.capabilities[key], `${key} is not in the definition`).toBe(true);
      }
      expect(typeof connector.listCustomers).toBe("function");
      expect(typeof connector.listInvoices).toBe("function");
      expect(typeof connector.healthCheck).toBe("function");
      if (caps.payments) expect(typeof connector.listPayments, "payments declared").toBe("function");
      if (caps.getInvoice) expect(typeof connector.getInvoice, "getInvoice declared").toBe("function");
      if (caps.writeActivity)
        expect(typeof connector.writeActivity, "writeActivity declared").toBe("function");
      if (caps.webhooks) {
        expect(typeof connector.webhook?.verify, "webhooks declared").toBe("function");
        expect(typeof connector.webhook?.parse, "webhooks declared").toBe("function");
      }
    });

    it("passes its health check", { timeout }, async () => {
      const health = await connector.healthCheck();
      expect(HealthSchema.safeParse(health).success, JSON.stringify(health)).toBe(true);
      expect(health.ok, health.detail).toBe(true);
    });

    for (const entity of ["customers", "invoices", "payments"] as const) {
      it(`lists ${entity} that parse with the core schema, tagged with source, externalId and raw`, {
        timeout,
      }, async (ctx) => {
        if (entity === "payments" && !connector.capabilities.payments)
          return ctx.skip("payments not declared");
        const pages = await fullListing(entity);
        expect(pages.length, "a listing yields at least one page").toBeGreaterThan(0);
        const rejects = pages.flatMap((page) => page.rejects ?? []);
        expect(rejects, "the fixture's records all map").toEqual([]);
        const records = pages.flatMap((page) => page.items);
        expect(records.length, `the fixture has ${entity}`).toBeGreaterThan(0);
        for (const record of records) {
          const parsed = SCHEMAS[entity].safeParse(record);
          expect(parsed.error?.issues ?? [], `${entity} ${record.externalId}`).toEqual([]);
          const tagged = record as { source?: unknown; externalId?: unknown; raw?: unknown };
          expect(tagged.source, `${entity} ${record.externalId}: source`).toBe(instanceId);
          expect(typeof tagged.externalId === "string" && tagged.externalId.length > 0).toBe(true);
          expect(tagged.raw, `${entity} ${record.externalId}: raw payload kept`).toBeDefined();
        }
      });
    }

    it("pages without duplicates", { timeout }, async () => {
      for (const entity of ["customers", "invoices"] as const) {
        const all = ids(await fullListing(entity));
        const dupes = all.filter((id, i) => all.indexOf(id) !== i);
        expect(dupes, `${entity}: externalIds listed twice`).toEqual([]);
      }
      if (suite.requireMultiplePages ?? true) {
        const pages = await fullListing("invoices");
        expect(pages.length, "invoices span several pages (configure a small page size)").toBeGreaterThan(1);
      }
    });

    it("resumes from a mid-way cursor with the rest and no gaps", { timeout }, async (ctx) => {
      const pages = await fullListing("invoices");
      if (pages.length < 2) return ctx.skip("only one page of invoices");
      const middle = Math.floor(pages.length / 2) - 1;
      const cursor = pages[middle]?.cursor;
      expect(cursor, "a page followed by more pages has a cursor").toBeTruthy();
      const resumed = ids(await collect(connector.listInvoices({ cursor })));
      const expected = ids(pages.slice(middle + 1));
      expect([...resumed].sort()).toEqual([...expected].sort());
    });

    it("getInvoice returns the record, and null for an unknown id", { timeout }, async (ctx) => {
      if (!connector.capabilities.getInvoice) return ctx.skip("getInvoice not declared");
      const [first] = (await fullListing("invoices")).flatMap((page) => page.items) as Invoice[];
      const fresh = await connector.getInvoice!(first!.externalId);
      expect(fresh?.externalId).toBe(first!.externalId);
      expect(Invoice.safeParse(fresh).success).toBe(true);
      expect(fresh?.source).toBe(instanceId);
      expect(await connector.getInvoice!(suite.unknownInvoiceId ?? "regua-conformance-missing-0")).toBeNull();
    });

    it("lists less from the last cursor than from the start when nothing changed", {
      timeout,
    }, async (ctx) => {
      if (!(suite.requireIncremental ?? true)) return ctx.skip("incremental not required");
      const pages = await fullListing("invoices");
      const last = pages.at(-1)?.cursor;
      expect(last, "the last page's cursor is the next incremental start").toBeTruthy();
      const again = ids(await collect(connector.listInvoices({ cursor: last })));
      expect(again.length).toBeLessThan(ids(pages).length);
    });

    it("after a change, lists it from the last cursor and getInvoice reads it fresh", {
      timeout,
    }, async (ctx) => {
      if (!suite.mutate) return ctx.skip("no mutate hook");
      const pages = await fullListing("invoices");
      const invoices = pages.flatMap((page) => page.items) as Invoice[];
      const target = invoices.find((inv) => inv.status === "open" && inv.openAmount.amountMinor > 0);
      expect(target, "the fixture has an open invoice").toBeDefined();
      const before = fingerprint(target!);
      await suite.mutate(fixture, target!);
      const changed = (
        await collect(connector.listInvoices({ cursor: pages.at(-1)?.cursor ?? null }))
      ).flatMap((page) => page.items);
      const seen = changed.find((inv) => inv.externalId === target!.externalId);
      expect(seen, `invoice ${target!.externalId} is listed after its change`).toBeDefined();
      expect(fingerprint(seen!)).not.toEqual(before);
      if (connector.capabilities.getInvoice) {
        const fresh = await connector.getInvoice!(target!.externalId);
        expect(fresh && fingerprint(fresh)).toEqual(fingerprint(seen!));
      }
    });

    it("writes an activity once per key", { timeout }, async (ctx) => {
      if (!connector.capabilities.writeActivity) return ctx.skip("writeActivity not declared");
      const [invoice] = (await fullListing("invoices")).flatMap((page) => page.items) as Invoice[];
      const activity = CollectionActivity.parse({
        key: `conformance-${randomUUID()}`,
        source: instanceId,
        kind: "message_sent",
        customerRef: invoice!.customerRef,
        invoiceRefs: [invoice!.externalId],
        occurredAt: new Date().toISOString(),
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
    });

    it("fails with AuthError (code AUTH) on bad credentials", { timeout }, async (ctx) => {
      if (!suite.badCredentials) return ctx.skip("no badCredentials options");
      const bad = await create(resolveOptions(suite.badCredentials, fixture));
      try {
        const error = await captureError(async () => {
          for await (const _page of bad.listCustomers({})) break;
        });
        expect(isReguaError(error) && error.code, explain(error)).toBe("AUTH");
        const health = await bad.healthCheck().catch((e: unknown) => ({ ok: false, detail: explain(e) }));
        expect(health.ok, "health check with bad credentials").toBe(false);
      } finally {
        await bad.close();
      }
    });
  });
}

function fingerprint(invoice: Invoice) {
  return { status: invoice.status, openAmount: invoice.openAmount, updatedAt: invoice.updatedAt };
}
