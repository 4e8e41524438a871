import { isReguaError } from "@regua/core";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureError, collect, connect, startFake, type Version } from "./support.js";

describe.each(["v1", "v2"] as const)("paging over /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  beforeAll(async () => {
    fake = await startFake(version);
  });
  afterAll(() => fake.close());

  it("asks for its page size with Prefer and follows the next link to the end", async () => {
    const connector = await connect(fake, version, { pageSize: 4 });
    const before = fake.requests.length;
    const pages = await collect(connector.listInvoices({}));
    const invoices = pages.flatMap((p) => p.items);
    expect(invoices.map((i) => Number(i.externalId)).sort((a, b) => a - b)).toEqual(
      fake.dataset.invoices.map((i) => i.id).sort((a, b) => a - b),
    );
    expect(pages.slice(0, -1).every((p) => p.items.length === 4)).toBe(true);
    const gets = fake.requests.slice(before).filter((r) => r.path.startsWith("Invoices"));
    expect(gets).toHaveLength(Math.ceil(invoices.length / 4));
    expect(gets.every((r) => r.version === version)).toBe(true);
    // Later pages are the server's next links ($skip), not requests the connector built.
    expect(gets[1]?.path).toMatch(/\$skip=4/);
    await connector.close();
  });

  it("pages at the Service Layer's default of 20 when the server ignores the preference", async () => {
    const connector = await connect(fake, version, { pageSize: 1000 });
    const pages = await collect(connector.listCustomers({}));
    const customers = pages.flatMap((p) => p.items);
    expect(customers).toHaveLength(fake.dataset.customers.length);
    await connector.close();
  });

  it("lists customers only, never suppliers (CardType cCustomer)", async () => {
    const connector = await connect(fake, version);
    const ids = (await collect(connector.listCustomers({}))).flatMap((p) => p.items.map((c) => c.externalId));
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id) => id.startsWith("C"))).toBe(true);
    await connector.close();
  });

  it("resumes from a mid-way cursor without gaps or repeats", async () => {
    const connector = await connect(fake, version, { pageSize: 3 });
    const pages = await collect(connector.listInvoices({}));
    const resumed = (await collect(connector.listInvoices({ cursor: pages[1]?.cursor ?? null }))).flatMap(
      (p) => p.items.map((i) => i.externalId),
    );
    expect(resumed).toEqual(pages.slice(2).flatMap((p) => p.items.map((i) => i.externalId)));
    await connector.close();
  });

  it("refuses a corrupt or foreign checkpoint, naming the source, instead of listing everything again", async () => {
    const connector = await connect(fake, version);
    const pages = await collect(connector.listInvoices({}));
    const corrupt = await captureError(() => collect(connector.listInvoices({ cursor: "not-json" })));
    expect(String(corrupt)).toContain("matriz invoices");
    // An invoice checkpoint handed to the payments listing does not pass for one.
    const foreign = await captureError(() =>
      collect(connector.listPayments!({ cursor: pages.at(-1)?.cursor ?? null })),
    );
    expect(isReguaError(foreign) && foreign.code).toBe("VALIDATION");
    expect(String(foreign)).toContain("matriz payments");
    await connector.close();
  });
});
