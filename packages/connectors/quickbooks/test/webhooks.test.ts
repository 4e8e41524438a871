import { readFileSync } from "node:fs";
import type { RawRequest } from "@regua/core";
import { type FakeQuickBooks, signWebhook } from "@regua/test-fixtures/quickbooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEvents, verifySignature } from "../src/webhooks.js";
import { connect, startFake } from "./support.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

function request(body: string, headers: Record<string, string>): RawRequest {
  return {
    method: "POST",
    path: "/webhooks/quickbooks/qbo",
    headers,
    query: {},
    rawBody: Buffer.from(body, "utf8"),
  };
}

describe("QuickBooks webhooks", () => {
  let fake: FakeQuickBooks;
  beforeAll(async () => {
    fake = await startFake();
  });
  afterAll(() => fake.close());

  it("verifies intuit-signature (base64 HMAC-SHA256 of the raw body) and refuses anything else", () => {
    const qbo = connect(fake);
    const hook = fake.webhook("cloudevents", [
      {
        realmId: fake.realmId,
        name: "Invoice",
        id: "7",
        operation: "Update",
        lastUpdated: "2026-03-15T10:00:00-03:00",
      },
    ]);
    expect(qbo.webhook.verify(request(hook.body, hook.headers))).toBe(true);
    expect(qbo.webhook.verify(request(`${hook.body} `, hook.headers))).toBe(false);
    expect(
      qbo.webhook.verify(request(hook.body, { "intuit-signature": signWebhook(hook.body, "another-token") })),
    ).toBe(false);
    expect(qbo.webhook.verify(request(hook.body, {}))).toBe(false);
    expect(verifySignature(request(hook.body, hook.headers), undefined)).toBe(false);
  });

  it("a payment in QuickBooks arrives as CloudEvents: the invoice and the payment changed", () => {
    const qbo = connect(fake);
    const invoice = fake.company.Invoice.find((i) => i.Balance > 0)!;
    const payment = fake.payInvoice(invoice.Id, "2026-03-15");
    const hook = fake.webhook("cloudevents");
    expect(qbo.webhook.verify(request(hook.body, hook.headers))).toBe(true);
    expect(qbo.webhook.parse(request(hook.body, hook.headers))).toEqual([
      { kind: "changed", entity: "payments", externalId: payment.Id },
      { kind: "changed", entity: "invoices", externalId: invoice.Id },
    ]);
  });

  it("reads the legacy eventNotifications format the same way, deletions as deletions", () => {
    const qbo = connect(fake);
    const target = fake.company.Invoice.at(-1)!;
    fake.voidInvoice(fake.company.Invoice[0]!.Id);
    fake.deleteInvoice(target.Id);
    const hook = fake.webhook("legacy");
    expect(qbo.webhook.parse(request(hook.body, hook.headers))).toEqual([
      { kind: "changed", entity: "invoices", externalId: fake.company.Invoice[0]!.Id },
      { kind: "deleted", entity: "invoices", externalId: target.Id },
    ]);
  });

  it("keeps only this source's company: one endpoint serves many realms", () => {
    const mine = connect(fake);
    const other = connect(fake, { realmId: "4620816365000000" });
    const changes = [
      {
        realmId: fake.realmId,
        name: "Customer",
        id: "3",
        operation: "Update" as const,
        lastUpdated: "2026-03-15T10:00:00-03:00",
      },
      {
        realmId: "4620816365000000",
        name: "Invoice",
        id: "9",
        operation: "Create" as const,
        lastUpdated: "2026-03-15T10:00:00-03:00",
      },
    ];
    for (const format of ["cloudevents", "legacy"] as const) {
      const hook = fake.webhook(format, changes);
      expect(mine.webhook.parse(request(hook.body, hook.headers))).toEqual([
        { kind: "changed", entity: "customers", externalId: "3" },
      ]);
      expect(other.webhook.parse(request(hook.body, hook.headers))).toEqual([
        { kind: "changed", entity: "invoices", externalId: "9" },
      ]);
    }
  });

  it("reads Intuit's published samples (an Account change: nothing to dun) and the same with an Invoice", () => {
    for (const name of ["webhook-cloudevents.json", "webhook-legacy.json"]) {
      const body = fixture(name);
      expect(parseEvents(request(body, {}), "310687")).toEqual([]);
      const invoice = body
        .replace("qbo.account.created.v1", "qbo.invoice.created.v1")
        .replace('"Account"', '"Invoice"');
      expect(parseEvents(request(invoice, {}), "310687")).toEqual([
        { kind: "changed", entity: "invoices", externalId: "1234" },
      ]);
      expect(parseEvents(request(invoice, {}), "999")).toEqual([]);
    }
    expect(parseEvents(request("not json", {}), "310687")).toEqual([]);
  });
});
