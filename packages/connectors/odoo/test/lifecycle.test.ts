import type { Invoice } from "@regua/core";
import type { FakeOdoo } from "@regua/test-fixtures/odoo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { all, collect, connect, startFake } from "./support.js";

describe.each(["17.0", "19.0"] as const)("invoice lifecycle on Odoo %s", (version) => {
  let fake: FakeOdoo;
  beforeAll(async () => {
    fake = await startFake({ version, customers: 16 });
  });
  afterAll(() => fake.close());

  const openMove = (skip = 0) =>
    fake.orm.search(
      "account.move",
      [
        ["state", "=", "posted"],
        ["payment_state", "=", "not_paid"],
        ["move_type", "=", "out_invoice"],
      ],
      skip,
      1,
    )[0]!;
  const byId = (list: Invoice[], id: number) => list.find((i) => i.externalId === String(id));

  it("registered payment (in_payment) → paid with nothing open; reconciled stays paid", async () => {
    const odoo = await connect(fake);
    const move = openMove();
    fake.registerPayment(move.id);
    const inPayment = await odoo.getInvoice!(String(move.id));
    expect(inPayment).toMatchObject({ status: "paid", openAmount: { amountMinor: 0 } });
    fake.reconcile(move.id);
    expect((await odoo.getInvoice!(String(move.id)))?.status).toBe("paid");
  });

  it("a partial payment is partially_paid with the residual open", async () => {
    const odoo = await connect(fake);
    const move = openMove();
    fake.registerPayment(move.id, { amount: 10 });
    const invoice = await odoo.getInvoice!(String(move.id));
    expect(invoice?.status).toBe("partially_paid");
    expect(invoice?.openAmount.amountMinor).toBe(Math.round((Number(move.amount_total) - 10) * 100));
  });

  it("reversed → cancelled, cancel → cancelled, blocked → disputed (paused), and refunds are never listed", async () => {
    const odoo = await connect(fake);
    const reversed = openMove();
    const refund = fake.reverse(reversed.id);
    const cancelled = openMove();
    fake.cancel(cancelled.id);
    const blocked = openMove();
    fake.block(blocked.id);
    const listed = await all(odoo.listInvoices({}));
    expect(byId(listed, reversed.id)).toMatchObject({ status: "cancelled", openAmount: { amountMinor: 0 } });
    expect(byId(listed, cancelled.id)?.status).toBe("cancelled");
    expect(byId(listed, blocked.id)?.status).toBe("disputed");
    expect(byId(listed, refund.id)).toBeUndefined();
    const refunds = fake.tables["account.move"]
      .filter((m) => m.move_type === "out_refund")
      .map((m) => String(m.id));
    expect(listed.filter((i) => refunds.includes(i.externalId))).toEqual([]);
  });

  it("an invoice with three payment-term lines has three installments, each with its own due date", async () => {
    const odoo = await connect(fake);
    const listed = await all(odoo.listInvoices({}));
    const split = listed.find((i) => i.status === "open" && (i.installments?.length ?? 0) === 3);
    expect(split, "the fake splits every 4th invoice in three").toBeDefined();
    const dates = split!.installments!.map((k) => k.dueDate);
    expect(new Set(dates).size).toBe(3);
    expect(dates.at(-1)).toBe(split!.dueDate);
    const sum = split!.installments!.reduce((s, k) => s + k.amount.amountMinor, 0);
    expect(sum).toBe(split!.total.amountMinor);
    // Paying the first due date leaves the others open.
    const first = split!.installments![0]!.amount.amountMinor / 100;
    fake.registerPayment(Number(split!.externalId), { amount: first });
    const after = await odoo.getInvoice!(split!.externalId);
    expect(after?.installments?.map((k) => k.status)).toEqual(["paid", "open", "open"]);
  });

  it("USD invoices carry BRL company amounts; invoices to a contact are dunned as the company", async () => {
    const odoo = await connect(fake);
    const listed = await all(odoo.listInvoices({}));
    const usd = listed.find((i) => i.total.currency === "USD" && i.status === "open");
    expect(usd?.companyTotal).toEqual({ amountMinor: usd!.total.amountMinor * 5, currency: "BRL" });
    expect(usd?.companyOpenAmount?.currency).toBe("BRL");
    const toContact = fake.tables["account.move"].find(
      (m) =>
        Array.isArray(m.partner_id) &&
        Array.isArray(m.commercial_partner_id) &&
        m.partner_id[0] !== m.commercial_partner_id[0],
    );
    expect(toContact, "the fake bills some companies through a contact").toBeDefined();
    const commercial = (toContact!.commercial_partner_id as [number, string])[0];
    expect(byId(listed, toContact!.id)?.customerRef).toBe(String(commercial));
    const customers = await all(odoo.listCustomers({}));
    expect(customers.map((c) => c.externalId)).toContain(String(commercial));
    expect(
      customers.some((c) => c.externalId === String((toContact!.partner_id as [number, string])[0])),
    ).toBe(false);
  });

  it("incremental by write_date: the last cursor lists what changed since, and nothing else", async () => {
    const odoo = await connect(fake);
    const pages = await collect(odoo.listInvoices({}));
    const last = pages.at(-1)!.cursor;
    const move = openMove();
    fake.registerPayment(move.id);
    const changed = await all(odoo.listInvoices({ cursor: last }));
    expect(changed.map((i) => i.externalId)).toContain(String(move.id));
    expect(changed.length).toBeLessThanOrEqual(2); // the change, and maybe the last second re-read
    expect(byId(changed, move.id)?.status).toBe("paid");
  });

  it("a record edited mid-run is not skipped, nor any after it (keyset, not offset)", async () => {
    const odoo = await connect(fake, { pageSize: 4 });
    const everything = (await all(odoo.listInvoices({}))).map((i) => i.externalId);
    const iterator = odoo.listInvoices({})[Symbol.asyncIterator]();
    const first = await iterator.next();
    const firstIds = first.value!.items.map((i: Invoice) => i.externalId);
    // Edit a record of the first page: it moves to the end of the write_date order.
    fake.touch("account.move", Number(firstIds[0]));
    const rest = await all(odoo.listInvoices({ cursor: first.value!.cursor }));
    const seen = new Set([...firstIds, ...rest.map((i) => i.externalId)]);
    expect(everything.filter((id) => !seen.has(id))).toEqual([]);
    expect(rest.map((i) => i.externalId)).toContain(firstIds[0]);
  });
});
