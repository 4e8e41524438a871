import { CollectionActivity, type Invoice } from "@regua/core";
import type { FakeOdoo } from "@regua/test-fixtures/odoo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { activityMarker } from "../src/writeback.js";
import { all, connect, startFake } from "./support.js";

function contact(invoices: Invoice[], key: string) {
  return CollectionActivity.parse({
    key,
    source: "odoo-main",
    kind: "message_sent",
    customerRef: invoices[0]!.customerRef,
    invoiceRefs: invoices.map((i) => i.externalId),
    occurredAt: "2026-03-16T12:30:00.000Z",
    channel: "whatsapp",
    providerMessageId: "wamid.HBgLNTUxMTk4NzY1NDMyMRUCABIYFjNFQjBDMEQ3",
    subject: "Lembrete: fatura vencida há 3 dias",
    details: "Olá! Sua fatura venceu em 13/03.",
  });
}

describe.each(["17.0", "19.0"] as const)("write-back on Odoo %s", (version) => {
  let fake: FakeOdoo;
  let invoices: Invoice[];
  beforeAll(async () => {
    fake = await startFake({ version });
    invoices = (await all((await connect(fake)).listInvoices({}))).filter((i) => i.status === "open");
  });
  afterAll(() => fake.close());

  it("a chatter note on every invoice of the contact, once each, however often it is written", async () => {
    const odoo = await connect(fake);
    const sameCustomer = invoices.filter((i) => i.customerRef === invoices[0]!.customerRef).slice(0, 2);
    const activity = contact(sameCustomer, `note-${version}`);
    const first = await odoo.writeActivity!(activity);
    expect(first.created).toBe(true);
    expect(first.externalId).toMatch(/^mail\.message\/\d+$/);
    expect(await odoo.writeActivity!(activity)).toEqual({ externalId: first.externalId, created: false });
    for (const invoice of sameCustomer) {
      const notes = fake.messagesOn(Number(invoice.externalId));
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ message_type: "comment", subtype_id: [2, "Note"] });
      expect(String(notes[0]!.body)).toContain(activityMarker(activity.key));
      expect(String(notes[0]!.body)).toContain("Lembrete: fatura vencida há 3 dias");
    }
  });

  it("activity mode: a mail.activity on the invoice, the model id resolved once, found again by its marker", async () => {
    const odoo = await connect(fake, { writeBack: { mode: "activity", deadlineDays: 2 } });
    const [a, b] = invoices.slice(-2);
    const first = await odoo.writeActivity!(contact([a!], `act-a-${version}`));
    await odoo.writeActivity!(contact([b!], `act-b-${version}`));
    const again = await odoo.writeActivity!(contact([a!], `act-a-${version}`));
    expect(again).toEqual({ externalId: first.externalId, created: false });
    const activities = fake.activitiesOn(Number(a!.externalId));
    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({
      res_model: "account.move",
      res_model_id: [242, "Journal Entry"],
      activity_type_id: [4, "To-Do"],
      date_deadline: "2026-03-18",
      summary: "Lembrete: fatura vencida há 3 dias",
    });
    const modelLookups = fake.requests.filter((r) => r.model === "ir.model");
    expect(modelLookups).toHaveLength(1);
  });

  it("a contact about no invoice goes on the customer's partner record", async () => {
    const odoo = await connect(fake);
    const activity = CollectionActivity.parse({
      ...contact(invoices.slice(0, 1), `partner-${version}`),
      invoiceRefs: [],
    });
    const written = await odoo.writeActivity!(activity);
    expect(written.created).toBe(true);
    const onPartner = fake.tables["mail.message"].filter(
      (m) => m.model === "res.partner" && m.res_id === Number(activity.customerRef),
    );
    expect(onPartner).toHaveLength(1);
  });

  it("getDocument: the invoice PDF attached in Odoo, as the statement", async () => {
    const odoo = await connect(fake);
    const document = await odoo.getDocument!(invoices[0]!, "statement");
    expect(document).toMatchObject({ type: "file", kind: "statement", mime: "application/pdf" });
    expect(document?.type === "file" && new TextDecoder().decode(document.bytes.subarray(0, 5))).toBe(
      "%PDF-",
    );
    expect(await odoo.getDocument!(invoices[0]!, "pix_code")).toBeNull();
  });
});
