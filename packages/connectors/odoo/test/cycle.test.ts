import { type Connector, createEngine, plan } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import type { FakeOdoo, OdooRecord } from "@regua/test-fixtures/odoo";
import {
  createMemoryChannel,
  createTestContext,
  JumpingClock,
  type MemoryChannel,
  openPolicy,
} from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { all, connect, startFake, TODAY } from "./support.js";

const policy = openPolicy({
  catchUpMaxDays: null,
  steps: [
    {
      id: "d1",
      offsetDays: 1,
      channel: "wa",
      template: { name: "fatura_vencida" },
      variables: { "1": "customer.firstName", "2": "invoice.number" },
    },
  ],
});

/** The whole régua cycle (sync → plan → dispatch → write-back) against the fake Odoo. */
describe("a dunning cycle on Odoo 17 over XML-RPC", () => {
  let fake: FakeOdoo;
  let odoo: Connector;
  let store: ReguaStore;
  let channel: MemoryChannel;
  const clock = new JumpingClock(Date.parse(`${TODAY}T12:00:00.000Z`));
  const cycle = async (engine: ReturnType<typeof createEngine>) => {
    const synced = await engine.sync();
    expect(synced.errors, "the sync reports no error").toBe(0);
    const planned = await engine.plan();
    const dispatched = await engine.dispatch();
    const written = await engine.writeBack();
    expect(written.failed + written.dead, "every activity is written").toBe(0);
    return { synced, planned, dispatched, written };
  };
  const sentFor = (moveId: number) => channel.sent.filter((s) => s.message.actionKey.includes(`:${moveId}:`));
  let engine: ReturnType<typeof createEngine>;

  beforeAll(async () => {
    fake = await startFake({ version: "17.0", customers: 30 });
    odoo = await connect(fake);
    store = createSqliteStore({ file: ":memory:", secretKey: "a".repeat(64), clock });
    await store.migrate();
    channel = createMemoryChannel({ clock });
    const wa = await channel.definition.create({}, createTestContext({ instanceId: "wa", clock }));
    engine = createEngine({
      store,
      connectors: new Map([["odoo-main", odoo]]),
      channels: new Map([["wa", wa]]),
      policy,
      clock,
      log: createTestContext({ instanceId: "engine" }).log,
      workerId: "w1",
      random: () => 0.5,
    });
  });
  afterAll(async () => {
    await store.close();
    await fake.close();
  });

  const posted = (filter: (m: OdooRecord) => boolean) =>
    fake.tables["account.move"].filter(
      (m) => m.move_type === "out_invoice" && m.state === "posted" && filter(m),
    );

  it("sends reminders for overdue invoices, never for refunds; notes land on the invoices once each", async () => {
    const split = posted(
      (m) => m.payment_state === "not_paid" && m.id % 4 === 0 && String(m.invoice_date_due) < "2026-03-10",
    )[0];
    expect(split, "an overdue invoice in three installments").toBeDefined();
    const refund = fake.reverse(posted((m) => m.payment_state === "not_paid" && m.id % 4 !== 0)[0]!.id);
    await cycle(engine);
    expect(channel.sent.length).toBeGreaterThan(0);
    // The store hands the planner the invoice's installments: each overdue one is dunned once.
    const sent = sentFor(split!.id).length;
    expect(sent, "one reminder per overdue installment").toBe(3);
    expect(sentFor(refund.id)).toEqual([]);
    expect(sentFor(Number((refund.reversed_entry_id as [number, string])[0]))).toEqual([]);
    expect(fake.messagesOn(split!.id)).toHaveLength(sent);
    // Another cycle the same day sends nothing new and writes nothing twice.
    const before = channel.sent.length;
    await cycle(engine);
    expect(channel.sent.length).toBe(before);
    expect(fake.messagesOn(split!.id)).toHaveLength(sent);
  });

  it("the planner duns each overdue installment of an Odoo invoice on its own due date", async () => {
    const invoices = (await all(odoo.listInvoices({}))).filter(
      (i) => i.installments?.length === 3 && i.status === "open",
    );
    const split = invoices.find((i) => i.installments!.every((k) => k.dueDate < "2026-03-10"));
    expect(split, "an open invoice whose three due dates have passed").toBeDefined();
    const [customer] = (await all(odoo.listCustomers({}))).filter((c) => c.externalId === split!.customerRef);
    const payments = { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 };
    const snapshot = {
      customer: customer!,
      invoices: [split!],
      history: [],
      payments,
      optedOut: false,
      pausedUntil: null,
    };
    const result = plan(policy, [snapshot], clock.now());
    const dueDates = result.actions.map((a) => a.payload.dueDate).sort();
    expect(dueDates).toEqual(split!.installments!.map((k) => k.dueDate).sort());
    expect(new Set(result.actions.map((a) => a.key)).size).toBe(3);
  });

  it("a registered payment (in_payment) stops the sequence; a reversal stops it as cancelled", async () => {
    // Three invoices not yet due: nothing sent today.
    const upcoming = posted(
      (m) =>
        m.payment_state === "not_paid" &&
        m.id % 4 !== 0 &&
        String(m.invoice_date_due) > TODAY &&
        String(m.invoice_date_due) <= "2026-04-14",
    );
    expect(upcoming.length, "the fake has invoices due in the next thirty days").toBeGreaterThanOrEqual(3);
    const [paid, reversed, control] = upcoming;
    expect(sentFor(paid!.id)).toEqual([]);
    fake.registerPayment(paid!.id);
    fake.reverse(reversed!.id);
    clock.advance(35 * 86_400_000);
    await cycle(engine);
    expect(sentFor(paid!.id)).toEqual([]);
    expect(sentFor(reversed!.id)).toEqual([]);
    expect(sentFor(control!.id)).toHaveLength(1);
    expect(fake.messagesOn(control!.id)).toHaveLength(1);
  });
});
