import { CollectionActivity } from "@regua/core";
import type { FakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { activityMark } from "../src/writeback.js";
import { connect, startFake } from "./support.js";

function activity(key: string, invoiceRefs: string[], customerRef: string) {
  return CollectionActivity.parse({
    key,
    source: "qbo",
    kind: "message_sent",
    customerRef,
    invoiceRefs,
    occurredAt: "2026-03-15T13:05:00.000Z",
    channel: "whatsapp",
    providerMessageId: "wamid.HBgM",
    subject: "WhatsApp: lembrete_vencimento sent to +5511987654321",
    details: "Olá! Sua fatura vence amanhã.",
  });
}

describe("write-back to QuickBooks", () => {
  let fake: FakeQuickBooks;
  beforeEach(async () => {
    fake = await startFake();
  });
  afterEach(() => fake.close());

  it("attaches one note per activity to its invoices, found again by Tag on a second write", async () => {
    const qbo = connect(fake);
    const invoice = fake.company.Invoice.find((i) => i.Balance > 0)!;
    const a = activity("act-1", [invoice.Id], invoice.CustomerRef.value);
    const first = await qbo.writeActivity(a);
    expect(first.created).toBe(true);
    const notes = fake.company.Attachable;
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ Id: first.externalId, Tag: activityMark("act-1") });
    expect(notes[0]?.AttachableRef).toEqual([
      { IncludeOnSend: false, EntityRef: { type: "Invoice", value: invoice.Id } },
    ]);
    expect(notes[0]?.Note).toContain("lembrete_vencimento");
    expect(await qbo.writeActivity(a)).toEqual({ externalId: first.externalId, created: false });
    expect(fake.company.Attachable).toHaveLength(1);
  });

  it("a write whose answer was lost is retried with the same requestid and creates one note", async () => {
    const qbo = connect(fake);
    fake.loseNextAnswer();
    const result = await qbo.writeActivity(activity("act-lost", ["1"], "1"));
    expect(result.created).toBe(true);
    expect(fake.company.Attachable).toHaveLength(1);
    const posts = fake.requests.filter((r) => r.method === "POST" && r.url.includes("/attachable?"));
    expect(posts.map((r) => r.status)).toEqual([502, 200]);
    expect(new Set(posts.map((r) => new URL(r.url, fake.url).searchParams.get("requestid")))).toEqual(
      new Set([activityMark("act-lost")]),
    );
  });

  it("two runners writing the same activity at once leave one note", async () => {
    const [x, y] = await Promise.all([
      connect(fake).writeActivity(activity("act-twice", ["2"], "1")),
      connect(fake).writeActivity(activity("act-twice", ["2"], "1")),
    ]);
    expect(x.externalId).toBe(y.externalId);
    expect(fake.company.Attachable).toHaveLength(1);
  });

  it("an activity without invoices is attached to the customer", async () => {
    const qbo = connect(fake);
    await qbo.writeActivity(activity("act-customer", [], "4"));
    expect(fake.company.Attachable[0]?.AttachableRef[0]?.EntityRef).toEqual({ type: "Customer", value: "4" });
  });

  it("privateNote mode appends a line to each invoice's memo with a sparse update, once, through /batch", async () => {
    const qbo = connect(fake, { writeBack: { mode: "privateNote" } });
    const [one, two] = fake.company.Invoice.filter((i) => i.Balance > 0);
    one!.PrivateNote = "Cliente pediu boleto por e-mail";
    const a = activity("act-memo", [one!.Id, two!.Id], one!.CustomerRef.value);
    const mark = activityMark("act-memo");
    expect(await qbo.writeActivity(a)).toEqual({ externalId: mark, created: true });
    expect(one!.PrivateNote).toMatch(
      new RegExp(`^Cliente pediu boleto por e-mail\\n\\[régua ${mark}\\] 2026-03-15 13:05 WhatsApp`),
    );
    expect(two!.PrivateNote).toContain(mark);
    const tokens = [one!.SyncToken, two!.SyncToken];
    expect(await qbo.writeActivity(a)).toEqual({ externalId: mark, created: false });
    expect([one!.SyncToken, two!.SyncToken]).toEqual(tokens);
    expect(fake.requests.some((r) => r.url.includes("/batch?"))).toBe(true);
  });

  it("privateNote mode: another user saving the invoice meanwhile (5010) is read again and retried once", async () => {
    const qbo = connect(fake, { writeBack: { mode: "privateNote" } });
    const invoice = fake.company.Invoice.find((i) => i.Balance > 0)!;
    fake.raceNextWrite(invoice.Id);
    const result = await qbo.writeActivity(activity("act-race", [invoice.Id], invoice.CustomerRef.value));
    expect(result.created).toBe(true);
    expect(invoice.PrivateNote?.split(activityMark("act-race")).length).toBe(2); // the line is there once
    expect(Number(invoice.SyncToken)).toBe(2); // the other user's save, then ours
  });
});
