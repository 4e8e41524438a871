import type { Invoice } from "@regua/core";
import { type FakeQuickBooks, USD_RATE } from "@regua/test-fixtures/quickbooks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkpoint } from "../src/pages.js";
import { collect, connect, eventLog, items, startFake, todayClock } from "./support.js";

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe("listings against the fake QuickBooks", () => {
  let fake: FakeQuickBooks;
  const clock = todayClock();
  beforeEach(async () => {
    fake = await startFake({}, clock);
  });
  afterEach(() => fake.close());

  it("pages invoices with startposition/maxresults in Id order, minorversion 75 on every request", async () => {
    const qbo = connect(fake, { pageSize: 5 }, { clock });
    const pages = await collect(qbo.listInvoices({}));
    const ids = items(pages).map((i) => i.externalId);
    expect(ids).toEqual(fake.company.Invoice.map((i) => i.Id));
    expect(pages.length).toBe(Math.ceil(ids.length / 5) + (ids.length % 5 === 0 ? 1 : 0));
    const queries = fake.requests
      .filter((r) => r.url.includes("/query?"))
      .map((r) => decodeURIComponent(r.url));
    expect(
      queries.some((q) => q.includes("select * from Invoice orderby Id startposition 6 maxresults 5")),
    ).toBe(true);
    expect(fake.minorVersions.every((v) => v === 75)).toBe(true);
  });

  it("a listing that fits in one page costs one query", async () => {
    const qbo = connect(fake, { pageSize: 1000 }, { clock });
    const before = fake.requests.filter((r) => r.url.includes("from%20Invoice")).length;
    await collect(qbo.listInvoices({}));
    expect(fake.requests.filter((r) => r.url.includes("from%20Invoice")).length - before).toBe(1);
  });

  it("counts a longer listing once and asks for no page past the counted rows", async () => {
    const qbo = connect(fake, { pageSize: 5 }, { clock });
    const pages = await collect(qbo.listInvoices({}));
    const n = fake.company.Invoice.length;
    expect(items(pages)).toHaveLength(n);
    const invoiceQueries = fake.requests
      .map((r) => decodeURIComponent(r.url))
      .filter((u) => u.includes("from Invoice"));
    expect(invoiceQueries.filter((u) => u.includes("count(*)"))).toHaveLength(1);
    // Every page up to the short (or empty) last one, and not one more.
    const pageQueries = invoiceQueries.filter((u) => u.includes("select * from Invoice"));
    expect(pageQueries).toHaveLength(Math.floor(n / 5) + 1);
  });

  it("goes on past the counted rows when invoices are added while it lists", async () => {
    const qbo = connect(fake, { pageSize: 5 }, { clock });
    const counted = () => fake.requests.some((r) => decodeURIComponent(r.url).includes("count(*)"));
    const ids: string[] = [];
    let added: string[] = [];
    for await (const page of qbo.listInvoices({})) {
      ids.push(...page.items.map((i) => i.externalId));
      if (counted() && added.length === 0) added = fake.addInvoices(12).map((i) => i.Id);
    }
    expect(added).toHaveLength(12);
    expect(ids).toEqual(fake.company.Invoice.map((i) => i.Id));
    for (const id of added) expect(ids).toContain(id);
  });

  it("maps status, amounts, multicurrency and the due date from the sales term when DueDate is absent", async () => {
    const qbo = connect(fake, {}, { clock });
    const listed = new Map(items(await collect(qbo.listInvoices({}))).map((i) => [i.externalId, i]));
    const net30 = fake.company.Invoice.find((i) => !i.DueDate && i.SalesTermRef?.value === "3");
    expect(net30).toBeDefined();
    expect(listed.get(net30!.Id)?.dueDate).toBe(addDays(net30!.TxnDate, 30));
    const tenth = fake.company.Invoice.find((i) => !i.DueDate && i.SalesTermRef?.value === "6");
    expect(tenth).toBeDefined();
    const [y, m, d] = tenth!.TxnDate.split("-").map(Number) as [number, number, number];
    // "Dia 10", DueNextMonthDays 5: issued more than 5 days before the 10th → this month's 10th.
    const thisMonth = `${y}-${String(m).padStart(2, "0")}-10`;
    const next = new Date(Date.UTC(y, m, 10)).toISOString().slice(0, 10);
    expect(listed.get(tenth!.Id)?.dueDate).toBe(d < 5 ? thisMonth : next);
    const usd = fake.company.Invoice.find((i) => i.CurrencyRef.value === "USD" && i.Balance > 0);
    const mapped = listed.get(usd!.Id) as Invoice;
    expect(mapped.total).toEqual({ amountMinor: Math.round(usd!.TotalAmt * 100), currency: "USD" });
    expect(mapped.companyOpenAmount?.currency).toBe("BRL");
    expect(mapped.companyOpenAmount?.amountMinor).toBe(Math.round(usd!.Balance * USD_RATE * 100));
    const paid = fake.company.Invoice.find((i) => i.Balance === 0 && i.TotalAmt > 0);
    expect(listed.get(paid!.Id)?.status).toBe("paid");
  });

  it("a voided invoice (Balance 0, TotalAmt 0, 'Voided') is cancelled, never paid", async () => {
    const qbo = connect(fake, {}, { clock });
    const pages = await collect(qbo.listInvoices({}));
    const target = fake.company.Invoice.find((i) => i.Balance > 0)!;
    fake.voidInvoice(target.Id);
    const after = items(await collect(qbo.listInvoices({ cursor: pages.at(-1)?.cursor ?? null })));
    expect(after.find((i) => i.externalId === target.Id)?.status).toBe("cancelled");
    expect((await qbo.getInvoice(target.Id))?.status).toBe("cancelled");
  });

  it("lists changes through CDC from the last cursor, and a payment's allocations", async () => {
    const qbo = connect(fake, {}, { clock });
    const invoices = await collect(qbo.listInvoices({}));
    const payments = await collect(qbo.listPayments({}));
    const target = fake.company.Invoice.find((i) => i.Balance > 0)!;
    const payment = fake.payInvoice(target.Id, "2026-03-15");
    const changed = items(await collect(qbo.listInvoices({ cursor: invoices.at(-1)?.cursor ?? null })));
    expect(changed.find((i) => i.externalId === target.Id)?.status).toBe("paid");
    expect(changed.length).toBeLessThan(fake.company.Invoice.length);
    const newPayments = items(await collect(qbo.listPayments({ cursor: payments.at(-1)?.cursor ?? null })));
    const listed = newPayments.find((p) => p.externalId === payment.Id);
    expect(listed?.allocations).toEqual([{ invoiceRef: target.Id, amount: listed?.amount }]);
    expect(fake.requests.some((r) => r.url.includes("/cdc?entities=Invoice&changedSince="))).toBe(true);
  });

  it("falls back to a paged query when CDC's answer is full (1000 objects), then asks for a full reconcile", async () => {
    const qbo = connect(fake, { pageSize: 400 }, { clock });
    const first = await collect(qbo.listInvoices({}));
    const added = fake.addInvoices(1000);
    const pages = await collect(qbo.listInvoices({ cursor: first.at(-1)?.cursor ?? null }));
    const ids = new Set(items(pages).map((i) => i.externalId));
    for (const invoice of added) expect(ids.has(invoice.Id)).toBe(true);
    expect(pages.length).toBeGreaterThan(2);
    const paged = fake.requests
      .map((r) => decodeURIComponent(r.url))
      .filter((u) => u.includes("where MetaData.LastUpdatedTime >="));
    expect(paged.length).toBeGreaterThanOrEqual(pages.length); // a few pages are asked for ahead
    expect(pages.at(-1)?.cursor).toBeNull();
  });

  it("a deletion in CDC ends the incremental listing with no cursor (next sync is a full reconcile)", async () => {
    const { log, lines } = eventLog();
    const qbo = connect(fake, {}, { clock, log });
    const first = await collect(qbo.listInvoices({}));
    const gone = fake.company.Invoice[3]!.Id;
    fake.deleteInvoice(gone);
    const pages = await collect(qbo.listInvoices({ cursor: first.at(-1)?.cursor ?? null }));
    expect(pages.at(-1)?.cursor).toBeNull();
    expect(lines.find((l) => l.event === "quickbooks.deleted")?.ids).toEqual([gone]);
    expect(await qbo.getInvoice(gone)).toBeNull();
  });

  it("a checkpoint older than CDC's 30 days yields an empty page without cursor", async () => {
    const qbo = connect(fake, {}, { clock });
    const cursor = checkpoint.encode({
      phase: "done",
      since: null,
      max: "2026-01-20T10:00:00-03:00",
      position: 1,
      reconcile: false,
    });
    const pages = await collect(qbo.listInvoices({ cursor }));
    expect(pages).toEqual([{ items: [], cursor: null }]);
    expect(fake.requests.some((r) => r.url.includes("/cdc"))).toBe(false);
  });

  it("maps customers: E.164 phones, email, CPF/CNPJ, and unapplied payments plus credit memos as credit", async () => {
    const qbo = connect(fake, {}, { clock });
    const customers = items(await collect(qbo.listCustomers({})));
    expect(customers.length).toBe(fake.company.Customer.length);
    for (const c of customers) {
      expect(c.phones.length).toBeGreaterThan(0);
      for (const phone of c.phones) expect(phone).toMatch(/^\+55\d{10,11}$/);
      expect(["cpf", "cnpj"]).toContain(c.taxIdKind);
    }
    const credit = (id: string) =>
      fake.company.Payment.filter((p) => p.CustomerRef.value === id).reduce(
        (s, p) => s + p.UnappliedAmt * p.ExchangeRate,
        0,
      ) +
      fake.company.CreditMemo.filter((m) => m.CustomerRef.value === id).reduce(
        (s, m) => s + m.RemainingCredit,
        0,
      );
    for (const c of customers) {
      expect(c.unappliedCredit).toEqual({
        amountMinor: Math.round(credit(c.externalId) * 100),
        currency: "BRL",
      });
    }
    expect(customers.some((c) => (c.unappliedCredit?.amountMinor ?? 0) > 0)).toBe(true);
  });
});
