import { describe, expect, it } from "vitest";
import { type MapSettings, mapCustomer, mapInvoice, mapPayment } from "../src/map.js";
import { RestConnectorOptions } from "../src/options.js";
import { restErpPreset } from "../src/preset.js";

const options = RestConnectorOptions.parse(restErpPreset("http://127.0.0.1:1", "t"));
const { customers, invoices, payments } = options.resources;
const settings: MapSettings = {
  source: "erp",
  currency: "BRL",
  defaultRegion: "BR",
  country: "BR",
  formats: { decimalSeparator: ".", dateOrder: "ymd" },
  statusMap: invoices.statusMap,
};

const invoice = (overrides: Record<string, unknown> = {}) => ({
  id: 17,
  number: "100017",
  customer_id: "C000001",
  issue_date: "2026-02-13",
  due_date: "2026-03-15",
  total: "1234.56",
  balance: "1234.56",
  currency: "BRL",
  status: "aberta",
  boleto: { digitable_line: "34191090080000000000000000000000112340000123456" },
  pix: null,
  updated_at: "2026-03-14T09:00:00-03:00",
  extra_field: "kept in raw",
  ...overrides,
});

describe("mapInvoice", () => {
  it("maps the wire record: string ids, minor units, mapped status, nested paths, UTC timestamps, raw", () => {
    const raw = invoice();
    const result = mapInvoice(raw, invoices.fields, settings);
    expect(result).toEqual({
      ok: true,
      record: expect.objectContaining({
        source: "erp",
        externalId: "17",
        number: "100017",
        customerRef: "C000001",
        issueDate: "2026-02-13",
        dueDate: "2026-03-15",
        total: { amountMinor: 123456, currency: "BRL" },
        openAmount: { amountMinor: 123456, currency: "BRL" },
        status: "open",
        updatedAt: "2026-03-14T12:00:00.000Z",
        raw,
      }),
    });
    expect(result.ok && result.record.instruments.boletoLine).toBe(raw.boleto.digitable_line);
  });

  it("converts decimals on their digits: 0.1+0.2 as an ERP computes it is 30 cents, string or number", () => {
    for (const total of ["0.30000000000000004", 0.1 + 0.2, "0.3", 0.3]) {
      const result = mapInvoice(invoice({ total, balance: total }), invoices.fields, settings);
      expect(result.ok && result.record.total.amountMinor, String(total)).toBe(30);
    }
    const halfUp = mapInvoice(invoice({ total: "1.005", balance: "0" }), invoices.fields, settings);
    expect(halfUp.ok && halfUp.record.total.amountMinor).toBe(101);
  });

  it("uses the record's currency exponent (BHD has 3 decimals, JPY none) and keeps a credit note negative", () => {
    const bhd = mapInvoice(
      invoice({ currency: "BHD", total: "10.1235", balance: "0.001" }),
      invoices.fields,
      settings,
    );
    expect(bhd.ok && [bhd.record.total, bhd.record.openAmount.amountMinor]).toEqual([
      { amountMinor: 10124, currency: "BHD" },
      1,
    ]);
    const jpy = mapInvoice(
      invoice({ currency: "jpy", total: "1500", balance: "1500" }),
      invoices.fields,
      settings,
    );
    expect(jpy.ok && jpy.record.total).toEqual({ amountMinor: 1500, currency: "JPY" });
    const credit = mapInvoice(
      invoice({ total: "-50.25", balance: "0", status: "paga" }),
      invoices.fields,
      settings,
    );
    expect(credit.ok && credit.record.total.amountMinor).toBe(-5025);
  });

  it("rejects an unknown currency, naming it", () => {
    const result = mapInvoice(invoice({ currency: "XYZ" }), invoices.fields, settings);
    expect(!result.ok && result.reject.error).toMatch(/^total.currency: is not an ISO 4217 currency/);
  });

  it("reads Brazilian-formatted decimals and dd/mm/yyyy dates when configured", () => {
    const br = { ...settings, formats: { decimalSeparator: ",", dateOrder: "dmy" } } as const;
    const result = mapInvoice(
      invoice({ total: "1.234,56", balance: "234,56", due_date: "15/03/2026", issue_date: "13/02/2026" }),
      invoices.fields,
      br,
    );
    expect(result.ok && [result.record.total.amountMinor, result.record.openAmount.amountMinor]).toEqual([
      123456, 23456,
    ]);
    expect(result.ok && result.record.dueDate).toBe("2026-03-15");
  });

  it("derives partially_paid when the ERP says open but part is paid", () => {
    const result = mapInvoice(invoice({ balance: "1000.00" }), invoices.fields, settings);
    expect(result.ok && result.record.status).toBe("partially_paid");
  });

  it("rejects a missing field, naming the field, the ERP path and the record", () => {
    const { due_date: _dropped, ...raw } = invoice();
    expect(mapInvoice(raw, invoices.fields, settings)).toEqual({
      ok: false,
      reject: {
        entity: "invoices",
        externalId: "17",
        error: 'dueDate: missing (expected at "due_date")',
        raw,
      },
    });
  });

  it("rejects an impossible date and an amount that is not a decimal", () => {
    const br = { ...settings, formats: { decimalSeparator: ".", dateOrder: "dmy" } } as const;
    const bad = mapInvoice(invoice({ due_date: "31/02/2026", total: "R$ 12" }), invoices.fields, br);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.reject.error).toBe(
      'dueDate: must be a date (got "31/02/2026"); total: must be a decimal amount (got "R$ 12")',
    );
  });

  it("rejects an unmapped status and a record without an id", () => {
    const unknown = mapInvoice(invoice({ status: "protestada" }), invoices.fields, settings);
    expect(!unknown.ok && unknown.reject.error).toBe(
      'status: unknown status "protestada" (add it to resources.invoices.statusMap)',
    );
    const noId = mapInvoice(invoice({ id: null }), invoices.fields, settings, 4);
    expect(!noId.ok && noId.reject).toMatchObject({
      externalId: "(record #5 on the page)",
      error: 'externalId: missing (expected at "id")',
    });
  });

  it("rejects a negative open balance through the core schema", () => {
    const result = mapInvoice(invoice({ balance: "-1.00" }), invoices.fields, settings);
    expect(!result.ok && result.reject.error).toBe("openAmount.amountMinor: must not be negative");
  });
});

describe("mapCustomer", () => {
  const customer = (overrides: Record<string, unknown> = {}) => ({
    id: "C000001",
    name: "Maria da Silva",
    tax_id: "529.982.247-25",
    phone: "(11) 98765-4321",
    email: "Maria@Example.com.br",
    segment: "varejo",
    tier: 3,
    updated_at: "2026-01-02 10:00:00",
    ...overrides,
  });

  it("normalises phones to E.164, classifies the CPF and reads a zone-less timestamp as UTC", () => {
    const result = mapCustomer(customer(), customers.fields, settings);
    expect(result.ok && result.record).toMatchObject({
      externalId: "C000001",
      phones: ["+5511987654321"],
      taxId: "52998224725",
      taxIdKind: "cpf",
      email: "maria@example.com.br",
      value: 3,
      updatedAt: "2026-01-02T10:00:00.000Z",
    });
  });

  it("keeps an unusable phone or email out of the record but in customFields", () => {
    const result = mapCustomer(
      customer({ phone: "1234", email: "not-an-email" }),
      customers.fields,
      settings,
    );
    expect(result.ok && result.record).toMatchObject({
      phones: [],
      email: null,
      customFields: { invalidPhones: ["1234"], invalidEmail: "not-an-email" },
    });
  });

  it("rejects an invalid CPF and an empty name", () => {
    const cpf = mapCustomer(customer({ tax_id: "111.111.111-12" }), customers.fields, settings);
    expect(!cpf.ok && cpf.reject.error).toBe(
      'taxId: "111.111.111-12" is neither a valid CPF nor a valid CNPJ',
    );
    const name = mapCustomer(customer({ name: "  " }), customers.fields, settings);
    expect(!name.ok && name.reject).toMatchObject({
      externalId: "C000001",
      error: "name: must not be empty",
    });
  });
});

describe("mapPayment", () => {
  it("maps allocations and rejects one with a bad amount, naming its index", () => {
    const raw = {
      id: 9,
      customer_id: "C000001",
      date: "2026-03-16",
      amount: "10.10",
      allocations: [
        { invoice_id: 17, amount: "10.00" },
        { invoice_id: 18, amount: "0.10" },
      ],
      updated_at: "2026-03-16T15:00:00Z",
    };
    const ok = mapPayment(raw, payments!.fields, settings);
    expect(ok.ok && ok.record.allocations).toEqual([
      { invoiceRef: "17", amount: { amountMinor: 1000, currency: "BRL" } },
      { invoiceRef: "18", amount: { amountMinor: 10, currency: "BRL" } },
    ]);
    const bad = mapPayment(
      { ...raw, allocations: [{ invoice_id: 17, amount: "dez" }] },
      payments!.fields,
      settings,
    );
    expect(!bad.ok && bad.reject.error).toBe('allocations.0.amount: must be a decimal amount (got "dez")');
  });
});
