import { Customer, Invoice } from "@regua/core";
import { describe, expect, it } from "vitest";
import { invoiceStatus, mapCustomer, mapInvoice } from "../src/map.js";
import { mapRows } from "../src/pages.js";
import { Move, Partner, TermLine } from "../src/schemas.js";

/**
 * A search_read row of account.move as Odoo 17 returns it over XML-RPC (and JSON-2: same JSON):
 * field names from odoo/addons/account/models/account_move.py, many2one as [id, display_name],
 * `false` for every empty field, Datetime "YYYY-MM-DD HH:MM:SS" in UTC, amounts as floats.
 */
const MOVE = {
  id: 4211,
  name: "INV/2026/00042",
  move_type: "out_invoice",
  state: "posted",
  payment_state: "partial",
  partner_id: [77, "Deco Addict, Financeiro"],
  commercial_partner_id: [9, "Deco Addict"],
  invoice_date: "2026-02-01",
  invoice_date_due: "2026-03-03",
  amount_total: 1234.56,
  amount_residual: 234.56,
  amount_total_signed: 6172.8,
  amount_residual_signed: 1172.8,
  currency_id: [2, "USD"],
  company_currency_id: [6, "BRL"],
  company_id: [1, "My Company (San Francisco)"],
  write_date: "2026-03-10 14:05:09",
};
/** res.partner as Odoo 17 reads it: a company with a CNPJ written by l10n_br, no phone. */
const PARTNER = {
  id: 9,
  name: "Deco Addict",
  vat: "11.222.333/0001-81",
  phone: false,
  mobile: "(11) 98765-4321",
  email: "deco.addict82@example.com",
  lang: "pt_BR",
  country_code: "BR",
  commercial_partner_id: [9, "Deco Addict"],
  write_date: "2026-01-05 09:00:00",
};
const CONTEXT = { source: "odoo", defaultRegion: "BR" };

describe("Odoo rows → canonical records", () => {
  it("an invoice: commercial partner, document currency, company-currency amounts, no Odoo convention left", () => {
    const invoice = mapInvoice(Move.parse(MOVE), [], CONTEXT);
    expect(Invoice.safeParse(invoice).success).toBe(true);
    expect(invoice).toMatchObject({
      externalId: "4211",
      number: "INV/2026/00042",
      customerRef: "9",
      issueDate: "2026-02-01",
      dueDate: "2026-03-03",
      total: { amountMinor: 123456, currency: "USD" },
      openAmount: { amountMinor: 23456, currency: "USD" },
      companyTotal: { amountMinor: 617280, currency: "BRL" },
      companyOpenAmount: { amountMinor: 117280, currency: "BRL" },
      status: "partially_paid",
      updatedAt: "2026-03-10T14:05:09Z",
    });
    const { raw: _raw, ...mapped } = invoice;
    expect(JSON.stringify(mapped)).not.toMatch(/\[\d+,"|false/);
  });

  it("a partner: false fields are null, the mobile in E.164, the CNPJ checked, pt_BR as BCP 47", () => {
    const customer = mapCustomer(Partner.parse(PARTNER), CONTEXT);
    expect(Customer.safeParse(customer).success).toBe(true);
    expect(customer).toMatchObject({
      name: "Deco Addict",
      taxId: "11222333000181",
      taxIdKind: "cnpj",
      phones: ["+5511987654321"],
      language: "pt-BR",
      country: "BR",
    });
  });

  it("payment_state and state, as the issue and account_move.py define them", () => {
    const status = (state: string, payment_state: string) =>
      invoiceStatus(Move.pick({ state: true, payment_state: true }).parse({ state, payment_state }));
    expect(status("posted", "not_paid")).toBe("open");
    expect(status("posted", "partial")).toBe("partially_paid");
    expect(status("posted", "in_payment")).toBe("paid");
    expect(status("posted", "paid")).toBe("paid");
    expect(status("posted", "reversed")).toBe("cancelled");
    expect(status("posted", "blocked")).toBe("disputed");
    expect(status("cancel", "not_paid")).toBe("cancelled");
    expect(status("draft", "not_paid")).toBe("void");
  });

  it("money: floats to minor units without drift; yen has no minor unit", () => {
    const move = (amount: number, currency: [number, string]) =>
      mapInvoice(
        Move.parse({
          ...MOVE,
          amount_total: amount,
          amount_residual: amount,
          currency_id: currency,
          company_currency_id: currency,
          payment_state: "not_paid",
        }),
        [],
        CONTEXT,
      );
    expect(move(0.1 + 0.2, [6, "BRL"]).total.amountMinor).toBe(30);
    expect(move(19.99, [6, "BRL"]).total.amountMinor).toBe(1999);
    expect(move(1500, [25, "JPY"]).total).toEqual({ amountMinor: 1500, currency: "JPY" });
  });

  it("installments from payment-term lines; a paid one is paid, the rest open", () => {
    const line = (id: number, date: string, amount: number, residual: number) =>
      TermLine.parse({
        id,
        move_id: [4211, "INV/2026/00042"],
        date_maturity: date,
        amount_currency: amount,
        amount_residual_currency: residual,
      });
    const invoice = mapInvoice(
      Move.parse({
        ...MOVE,
        currency_id: [6, "BRL"],
        company_currency_id: [6, "BRL"],
        amount_total: 300,
        amount_residual: 200,
      }),
      [line(1, "2026-01-01", 100, 0), line(2, "2026-02-01", 100, 100), line(3, "2026-03-03", 100, 100)],
      CONTEXT,
    );
    expect(
      invoice.installments?.map((k) => [k.number, k.dueDate, k.status, k.openAmount.amountMinor]),
    ).toEqual([
      [1, "2026-01-01", "paid", 0],
      [2, "2026-02-01", "open", 10000],
      [3, "2026-03-03", "open", 10000],
    ]);
  });

  it("a row that cannot be mapped is a reject naming its id and the field; the page goes on", () => {
    const rows = [
      MOVE,
      { ...MOVE, id: 4212, invoice_date: false },
      { ...MOVE, id: 4213, currency_id: [99, "XYZ"] },
      { ...MOVE, id: 4214, partner_id: "Deco" },
    ];
    const { items, rejects } = mapRows(rows, Move, (m) => mapInvoice(m, [], CONTEXT), "invoices");
    expect(items.map((i) => i.externalId)).toEqual(["4211"]);
    expect(rejects.map((r) => [r.externalId, r.error])).toEqual([
      ["4212", "invoice_date: is empty"],
      ["4213", 'currency_id: "XYZ" is not an ISO 4217 currency'],
      ["4214", expect.stringMatching(/^partner_id: /)],
    ]);
  });
});
