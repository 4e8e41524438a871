import { Invoice } from "@regua/core";
import { describe, expect, it } from "vitest";
import { createMapper, invoiceStatus, type MappingWarning } from "../src/map.js";
import { SapB1Options } from "../src/options.js";
import { BusinessPartner, Document, IncomingPayment } from "../src/schemas.js";

const RAW_OPTIONS = {
  baseUrl: "https://sap.local:50000/b1s/v2/",
  companyDb: "SBODEMOBR",
  user: "manager",
  password: "x",
  udf: { boletoLine: "U_BoletoLinha", pixCode: "U_PixCopiaCola", payLink: "U_Link" },
};
const options = SapB1Options.parse(RAW_OPTIONS);
const brl = createMapper({ source: "s", options, localCurrency: "R$" });
const mapInvoice = (document: Document, _source: string, opts: SapB1Options) =>
  createMapper({ source: "s", options: opts, localCurrency: "R$" }).invoice(document);

function doc(fields: Record<string, unknown>) {
  return Document.parse({
    DocEntry: 1,
    DocNum: 100001,
    CardCode: "C1",
    DocDate: "2026-03-01",
    DocDueDate: "2026-03-31T00:00:00Z",
    DocTotal: 100,
    PaidToDate: 0,
    DocCurrency: "R$",
    DocumentStatus: "bost_Open",
    Cancelled: "tNO",
    UpdateDate: "2026-03-02",
    UpdateTime: "09:30:00",
    ...fields,
  });
}

describe("mapping", () => {
  it("strips /b1s/vN from the base URL", () => {
    expect(options.baseUrl).toBe("https://sap.local:50000");
  });

  it.each([
    [{ Cancelled: "tYES", DocumentStatus: "bost_Close" }, "cancelled", 0],
    [{ CancelStatus: "csCancellation", DocumentStatus: "bost_Close" }, "void", 0],
    [{ DocumentStatus: "bost_Close", PaidToDate: 100 }, "paid", 0],
    [{ DocumentStatus: "bost_Close", PaidToDate: 40 }, "void", 0],
    [{ PaidToDate: 40 }, "partially_paid", 6000],
    [{}, "open", 10000],
  ])("%o → %s with %i open", (fields, status, open) => {
    const invoice = mapInvoice(doc(fields), "s", options);
    expect(invoice.status).toBe(status);
    expect(invoice.openAmount).toEqual({ amountMinor: open, currency: "BRL" });
  });

  it("reads UpdateDate/UpdateTime as the company server's wall clock in serverTimeZone", () => {
    const stamped = doc({ UpdateDate: "2026-03-10", UpdateTime: "09:30:15" });
    expect(mapInvoice(stamped, "s", options).updatedAt).toBe("2026-03-10T09:30:15Z");
    const saoPaulo = SapB1Options.parse({ ...RAW_OPTIONS, serverTimeZone: "America/Sao_Paulo" });
    expect(mapInvoice(stamped, "s", saoPaulo).updatedAt).toBe("2026-03-10T12:30:15.000Z");
    // Lisbon is UTC+1 in summer: the offset comes from the date, not a fixed number.
    const lisbon = SapB1Options.parse({ ...RAW_OPTIONS, serverTimeZone: "Europe/Lisbon" });
    const summer = doc({ UpdateDate: "2026-07-01", UpdateTime: "10:00:00" });
    expect(mapInvoice(summer, "s", lisbon).updatedAt).toBe("2026-07-01T09:00:00.000Z");
    expect(SapB1Options.safeParse({ ...RAW_OPTIONS, serverTimeZone: "Brasilia" }).success).toBe(false);
  });

  it("converts decimals once, exactly: 0.1 + 0.2 and half-up", () => {
    const invoice = mapInvoice(doc({ DocTotal: 0.30000000000000004, PaidToDate: "0.105" }), "s", options);
    expect(invoice.total.amountMinor).toBe(30);
    expect(invoiceStatus(doc({ PaidToDate: "0.105" }), 30, 11)).toBe("partially_paid");
    expect(invoice.openAmount.amountMinor).toBe(19);
  });

  it("reads dates in both versions' formats, and payment instruments from the configured UDFs", () => {
    const invoice = mapInvoice(
      doc({ U_BoletoLinha: " 3419 ", U_PixCopiaCola: "000201", U_Link: "not a url" }),
      "s",
      options,
    );
    expect(invoice).toMatchObject({
      issueDate: "2026-03-01",
      dueDate: "2026-03-31",
      updatedAt: "2026-03-02T09:30:00Z",
    });
    expect(invoice.instruments).toMatchObject({ boletoLine: "3419", pixCode: "000201", payLink: null });
  });

  it("sums a payment's applied amounts and allocates only invoice lines", () => {
    const payment = brl.payment(
      IncomingPayment.parse({
        DocEntry: 9,
        DocDate: "2026-03-05T00:00:00Z",
        CardCode: "C1",
        DocCurrency: "R$",
        TransferSum: 150.1,
        PaymentInvoices: [
          { DocEntry: 1, SumApplied: 100.05, InvoiceType: "it_Invoice" },
          { DocEntry: 7, SumApplied: 50.05, InvoiceType: "it_JournalEntry" },
        ],
      }),
    );
    expect(payment.amount).toEqual({ amountMinor: 15010, currency: "BRL" });
    expect(payment.allocations).toEqual([
      { invoiceRef: "1", amount: { amountMinor: 10005, currency: "BRL" } },
    ]);
  });

  // A USD invoice in a BRL company (SAP Business One SDK, Documents: DocTotalFc / PaidToDateFC
  // carry the document's amounts, DocTotal / PaidToDate their local equivalents at DocRate).
  const usd = {
    DocCurrency: "USD",
    DocRate: 5.1,
    DocTotal: 510,
    PaidToDate: 102,
    DocTotalFc: 100,
    PaidToDateFC: 20,
  };

  it("dunns a foreign-currency invoice in its own currency, not the local totals", () => {
    const invoice = brl.invoice(doc(usd));
    expect(invoice.total).toEqual({ amountMinor: 10000, currency: "USD" });
    expect(invoice.openAmount).toEqual({ amountMinor: 8000, currency: "USD" });
    expect(invoice.status).toBe("partially_paid");
    // The company-currency amounts beside them, for reports.
    expect(invoice.companyTotal).toEqual({ amountMinor: 51000, currency: "BRL" });
    expect(invoice.companyOpenAmount).toEqual({ amountMinor: 40800, currency: "BRL" });
    expect(Invoice.safeParse(invoice).success).toBe(true);
    expect(brl.invoice(doc({})).companyTotal).toBeUndefined();
    // Without the document's own total the record is rejected, never labelled with local amounts.
    expect(() => brl.invoice(doc({ ...usd, DocTotalFc: null }))).toThrow(
      /^DocTotalFc: is missing on a USD document/,
    );
    // The same document in a USD company: DocTotal is the document's amount.
    const usdCompany = createMapper({ source: "s", options, localCurrency: "USD" });
    expect(usdCompany.invoice(doc({ ...usd, DocTotal: 100, PaidToDate: 20 })).total.amountMinor).toBe(10000);
  });

  it("allocates a foreign-currency payment with AppliedFC, a local one with SumApplied", () => {
    const payment = brl.payment(
      IncomingPayment.parse({
        DocEntry: 10,
        DocDate: "2026-03-05T00:00:00Z",
        CardCode: "C1",
        DocCurrency: "USD",
        TransferSum: 20,
        PaymentInvoices: [{ DocEntry: 1, SumApplied: 102, AppliedFC: 20, InvoiceType: "it_Invoice" }],
      }),
    );
    expect(payment.amount).toEqual({ amountMinor: 2000, currency: "USD" });
    expect(payment.allocations).toEqual([
      { invoiceRef: "1", amount: { amountMinor: 2000, currency: "USD" } },
    ]);
  });

  it("keeps a business partner whose CPF/CNPJ has a wrong check digit, without the tax id, and warns", () => {
    const warnings: MappingWarning[] = [];
    const mapper = createMapper({ source: "s", options, localCurrency: "R$", warn: (w) => warnings.push(w) });
    const partner = {
      CardCode: "C042",
      CardName: "Padaria Pão Quente",
      Country: "BR",
      Cellular: "11987654321",
    };
    const customer = mapper.customer(BusinessPartner.parse({ ...partner, FederalTaxID: "123.456.789-00" }));
    expect(customer).toMatchObject({
      externalId: "C042",
      taxId: null,
      taxIdKind: null,
      phones: ["+5511987654321"],
    });
    expect(warnings).toEqual([expect.objectContaining({ externalId: "C042", field: "FederalTaxID" })]);
    const valid = mapper.customer(BusinessPartner.parse({ ...partner, FederalTaxID: "529.982.247-25" }));
    expect(valid).toMatchObject({ taxId: "52998224725", taxIdKind: "cpf" });
    expect(warnings).toHaveLength(1);
  });
});
