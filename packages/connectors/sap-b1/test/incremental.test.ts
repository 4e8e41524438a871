import type { Invoice } from "@regua/core";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { afterEach, describe, expect, it } from "vitest";
import { collect, connect, events, type RecordedLog, startFake, TODAY, type Version } from "./support.js";

async function lastCursor<T>(pages: AsyncIterable<{ items: T[]; cursor: string | null }>) {
  const all = await collect(pages);
  return { items: all.flatMap((p) => p.items), cursor: all.at(-1)?.cursor ?? null, pages: all };
}

function openInvoice(items: Invoice[]): Invoice {
  const found = items.find((i) => i.status === "open");
  if (!found) throw new Error("fixture has no open invoice");
  return found;
}

describe.each(["v1", "v2"] as const)("incremental sync on /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  afterEach(() => fake?.close());

  it("lists only what changed since the last stamp, with the new status", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const full = await lastCursor(connector.listInvoices({}));
    const target = openInvoice(full.items);
    await fake.markPaid(Number(target.externalId), TODAY);
    const changed = await lastCursor(connector.listInvoices({ cursor: full.cursor }));
    expect(changed.items.length).toBeLessThan(full.items.length);
    const seen = changed.items.find((i) => i.externalId === target.externalId);
    expect(seen).toMatchObject({ status: "paid", openAmount: { amountMinor: 0, currency: "BRL" } });
    // The filter the connector sent uses this version's literals.
    const filter = decodeURIComponent(
      fake.requests.filter((r) => r.path.startsWith("Invoices?")).at(-1)?.path ?? "",
    );
    expect(filter).toContain(version === "v1" ? "UpdateDate gt '" : "UpdateDate gt 20");
    // Nothing changed since: only the records stamped in the last second come back.
    const again = await lastCursor(connector.listInvoices({ cursor: changed.cursor }));
    expect(again.items.map((i) => i.externalId)).toEqual([target.externalId]);
    await connector.close();
  });

  it("sees an invoice a credit note closed even when the invoice's stamp did not move", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const full = await lastCursor(connector.listInvoices({}));
    const target = openInvoice(full.items);
    await fake.issueCreditNote(Number(target.externalId), TODAY, { touchInvoice: false });
    const changed = await lastCursor(connector.listInvoices({ cursor: full.cursor }));
    const seen = changed.items.filter((i) => i.externalId === target.externalId);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ status: "void", openAmount: { amountMinor: 0 } });
    expect(fake.requests.some((r) => r.path.startsWith("CreditNotes?"))).toBe(true);
    await connector.close();
  });

  it("sees an invoice cancelled in SAP (Cancel action) closed, and never duns its cancellation document", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const full = await lastCursor(connector.listInvoices({}));
    const target = openInvoice(full.items);
    const cancellation = await fake.cancelInvoice(Number(target.externalId), TODAY);
    const changed = await lastCursor(connector.listInvoices({ cursor: full.cursor }));
    expect(changed.items.find((i) => i.externalId === target.externalId)).toMatchObject({
      status: "cancelled",
      openAmount: { amountMinor: 0 },
      raw: { Cancelled: "tYES", CancelStatus: "csYes" },
    });
    expect(changed.items.find((i) => i.externalId === String(cancellation))).toMatchObject({
      status: "void",
      customerRef: target.customerRef,
      openAmount: { amountMinor: 0 },
    });
    await connector.close();
  });

  it("lists new incoming payments by DocEntry, allocated to the invoice", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const full = await lastCursor(connector.listPayments!({}));
    expect(full.items).toHaveLength(fake.dataset.payments.length);
    const invoices = await lastCursor(connector.listInvoices({}));
    const target = openInvoice(invoices.items);
    await fake.markPaid(Number(target.externalId), TODAY);
    const fresh = await lastCursor(connector.listPayments!({ cursor: full.cursor }));
    expect(fresh.items).toHaveLength(1);
    expect(fresh.items[0]).toMatchObject({
      customerRef: target.customerRef,
      amount: target.openAmount,
      allocations: [{ invoiceRef: target.externalId, amount: target.openAmount }],
    });
    await connector.close();
  });

  it("keeps a partner whose CPF has a wrong check digit, without the tax id, with a warning", async () => {
    fake = await startFake(version);
    await fake.insert("BusinessPartners", {
      CardCode: "C999999",
      CardName: "CPF Inválido",
      CardType: "cCustomer",
      FederalTaxID: "123.456.789-00",
      Cellular: "11987654321",
      Country: "BR",
      UpdateDate: "2027-01-01T00:00:00Z",
      UpdateTime: "10:00:00",
    });
    const log: RecordedLog[] = [];
    const connector = await connect(fake, version, {}, log);
    const customers = await lastCursor(connector.listCustomers({}));
    expect(customers.pages.flatMap((p) => p.rejects ?? [])).toEqual([]);
    expect(customers.items).toHaveLength(fake.dataset.customers.length + 1);
    expect(customers.items.find((c) => c.externalId === "C999999")).toMatchObject({
      name: "CPF Inválido",
      taxId: null,
      taxIdKind: null,
      phones: ["+5511987654321"],
    });
    const warnings = events(log, "sap-b1.field_dropped");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: "warn", obj: { cardCode: "C999999", field: "FederalTaxID" } });
    expect(warnings[0]?.msg).toContain("C999999");
    // The tax id is personal data: the warning names the partner, not the number.
    expect(JSON.stringify(log)).not.toContain("123.456.789-00");
    await connector.close();
  });

  it("rejects records that fail, naming the key and the field, and keeps the rest", async () => {
    fake = await startFake(version);
    await fake.insert("BusinessPartners", {
      CardCode: "C999999",
      CardName: "  ",
      CardType: "cCustomer",
      UpdateDate: "2027-01-01T00:00:00Z",
      UpdateTime: "10:00:00",
    });
    await fake.insert("Invoices", {
      DocEntry: 99999,
      DocNum: 199999,
      CardCode: "C000001",
      DocDate: "2026-03-01T00:00:00Z",
      DocDueDate: "2026-03-31T00:00:00Z",
      DocTotal: 10,
      PaidToDate: 0,
      DocCurrency: "XX$",
      DocumentStatus: "bost_Open",
      Cancelled: "tNO",
      UpdateDate: "2027-01-01T00:00:00Z",
      UpdateTime: "10:00:00",
    });
    await fake.insert("Invoices", {
      DocEntry: 99998,
      DocNum: 199998,
      CardCode: "C000001",
      DocDate: "2026-03-01T00:00:00Z",
      DocTotal: 10,
      DocCurrency: "R$",
      DocumentStatus: "bost_Open",
      UpdateDate: "2027-01-01T00:00:00Z",
      UpdateTime: "10:00:00",
    });
    const connector = await connect(fake, version);
    const customers = await lastCursor(connector.listCustomers({}));
    const customerRejects = customers.pages.flatMap((p) => p.rejects ?? []);
    expect(customerRejects).toEqual([
      expect.objectContaining({
        entity: "customers",
        externalId: "C999999",
        error: expect.stringMatching(/^CardName: /),
      }),
    ]);
    expect(customers.items).toHaveLength(fake.dataset.customers.length);
    const invoices = await lastCursor(connector.listInvoices({}));
    expect(invoices.pages.flatMap((p) => p.rejects ?? [])).toEqual([
      expect.objectContaining({
        entity: "invoices",
        externalId: "99998",
        error: expect.stringMatching(/^DocDueDate: /),
      }),
      expect.objectContaining({
        entity: "invoices",
        externalId: "99999",
        error: expect.stringMatching(/^DocCurrency: /),
      }),
    ]);
    expect(invoices.items).toHaveLength(fake.dataset.invoices.length);
    await connector.close();
  });
});
