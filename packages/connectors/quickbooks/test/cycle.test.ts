import { type Connector, createEngine, type Engine, type RawRequest, silentLogger } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import type { FakeQuickBooks, QboInvoice } from "@regua/test-fixtures/quickbooks";
import { createMemoryChannel, createTestContext, type MemoryChannel, openPolicy } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenKey } from "../src/auth.js";
import { activityMark } from "../src/writeback.js";
import { connect, type QuickBooksConnector, startFake, TODAY, todayClock } from "./support.js";

/**
 * A régua cycle on the fake QuickBooks: sync → plan → dispatch → write-back, with the engine and
 * the SQLite store as the runner wires them. Three open invoices are due today: A by its Net 30
 * term (no DueDate), B and C by DueDate. A is paid in QuickBooks and the CloudEvents webhook
 * stops its sequence; B is voided and stops as cancelled; C's reminder goes out and comes back
 * as a note on the invoice, written once even when an answer is lost.
 */
const policy = openPolicy({
  steps: [
    {
      id: "vence-hoje",
      offsetDays: 0,
      channel: "wa",
      template: { name: "vencimento_hoje" },
      variables: { "1": "customer.firstName", "2": "invoice.number" },
    },
  ],
});

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function hook(fake: FakeQuickBooks): RawRequest {
  const signed = fake.webhook("cloudevents");
  return {
    method: "POST",
    path: "/webhooks/quickbooks/qbo",
    headers: signed.headers,
    query: {},
    rawBody: Buffer.from(signed.body),
  };
}

describe("a régua cycle against the fake QuickBooks", () => {
  const clock = todayClock();
  let fake: FakeQuickBooks;
  let store: ReguaStore;
  let qbo: QuickBooksConnector;
  let engine: Engine;
  let memory: MemoryChannel;
  let a: QboInvoice;
  let b: QboInvoice;
  let c: QboInvoice;

  beforeAll(async () => {
    fake = await startFake({ customers: 4 }, clock);
    // Three customers' invoices due today; every other invoice is settled.
    const picks = fake.company.Customer.slice(0, 3).map(
      (cu) => fake.company.Invoice.find((i) => i.CustomerRef.value === cu.Id)!,
    );
    [a, b, c] = picks as [QboInvoice, QboInvoice, QboInvoice];
    for (const invoice of fake.company.Invoice) {
      if (picks.includes(invoice)) {
        Object.assign(invoice, {
          Balance: invoice.TotalAmt,
          HomeBalance: invoice.HomeTotalAmt,
          CurrencyRef: { value: "BRL" },
          ExchangeRate: 1,
        });
        invoice.PrivateNote = undefined;
      } else Object.assign(invoice, { Balance: 0, HomeBalance: 0 });
    }
    Object.assign(a, { TxnDate: addDays(TODAY, -30), SalesTermRef: { value: "3", name: "Net 30" } });
    delete a.DueDate;
    b.DueDate = TODAY;
    c.DueDate = TODAY;
    store = createSqliteStore({
      file: ":memory:",
      secretKey: "cycle-test-secret-key-0123456789abcdef",
      clock,
    });
    await store.migrate();
    qbo = connect(fake, {}, { clock, state: store.state("qbo") });
    memory = createMemoryChannel({ clock });
    engine = createEngine({
      store,
      connectors: new Map<string, Connector>([["qbo", qbo as Connector]]),
      channels: new Map([["wa", await memory.definition.create({}, createTestContext({ clock }))]]),
      policy,
      clock,
      log: silentLogger,
      workerId: "cycle-test",
      random: () => 0.5,
    });
  });
  afterAll(async () => {
    await fake.close();
    await store.close();
  });

  it("syncs and plans a reminder for each invoice due today, A by its payment term", async () => {
    const summary = await engine.sync();
    expect(summary.entities.every((e) => e.error === null)).toBe(true);
    expect((await store.getInvoice("qbo", a.Id))?.dueDate).toBe(TODAY);
    await engine.plan();
    const planned = await store.listActions({ status: ["planned"] });
    expect(planned.flatMap((p) => p.invoiceRefs).sort()).toEqual([a.Id, b.Id, c.Id].sort());
    // The rotated tokens live in the store's plugin state (encrypted at rest with the store's key).
    expect(await store.state("qbo").get(tokenKey(fake.realmId))).toContain("refreshToken");
  });

  it("a payment posted in QuickBooks reaches régua by a signed CloudEvents webhook and stops A's sequence", async () => {
    fake.payInvoice(a.Id, TODAY);
    const request = hook(fake);
    expect(qbo.webhook.verify(request)).toBe(true);
    await engine.handleErpEvents("qbo", qbo.webhook.parse(request));
    expect((await store.getInvoice("qbo", a.Id))?.status).toBe("paid");
    const [action] = (await store.listActions({})).filter((x) => x.invoiceRefs.includes(a.Id));
    expect(action).toMatchObject({ status: "skipped", statusReason: "paid" });
  });

  it("a void stops B's sequence as cancelled, not paid", async () => {
    fake.voidInvoice(b.Id);
    await engine.handleErpEvents("qbo", qbo.webhook.parse(hook(fake)));
    expect((await store.getInvoice("qbo", b.Id))?.status).toBe("cancelled");
    const [action] = (await store.listActions({})).filter((x) => x.invoiceRefs.includes(b.Id));
    expect(action).toMatchObject({ status: "skipped", statusReason: "cancelled" });
  });

  it("sends C's reminder and writes it back as one note on the invoice, even when an answer is lost", async () => {
    const dispatched = await engine.dispatch();
    expect(dispatched.sent).toBe(1);
    expect(memory.sent.map((s) => s.message.template?.name)).toEqual(["vencimento_hoje"]);
    fake.loseNextAnswer();
    await engine.writeBack();
    await engine.writeBack();
    const notes = fake.company.Attachable.filter((n) =>
      n.AttachableRef.some((r) => r.EntityRef.value === c.Id),
    );
    expect(notes).toHaveLength(1);
    // The payment confirmation on A and the reminder on C: one note each, on their invoices.
    const activities = await store.listActivities({});
    expect(activities.map((x) => [x.activity.kind, x.activity.invoiceRefs, x.status]).sort()).toEqual(
      [
        ["message_sent", [c.Id], "written"],
        ["payment_confirmed", [a.Id], "written"],
      ].sort(),
    );
    expect(fake.company.Attachable).toHaveLength(activities.length);
    for (const row of activities) {
      const note = fake.company.Attachable.find((n) => n.Tag === activityMark(row.key));
      expect(note?.AttachableRef.map((r) => r.EntityRef.value)).toEqual(row.activity.invoiceRefs);
      expect(row.externalId).toBe(note?.Id);
    }
    expect(notes[0]?.Note).toMatch(/^\[régua regua-[0-9a-f]{32}\] /);
  });
});
