import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { afterEach, describe, expect, it } from "vitest";
import { collect, connect, startFake, type Version } from "./support.js";

/**
 * A USD invoice in a BRL company, as the Service Layer sends it (SAPB1-v2.edmx EntityType
 * Document; SAP Business One SDK, Documents): DocCurrency "USD", DocTotalFc / PaidToDateFC in
 * dollars, DocTotal / PaidToDate their reais at DocRate. A payment in dollars allocates AppliedFC.
 */
const USD_INVOICE = {
  DocEntry: 77001,
  DocNum: 177001,
  CardCode: "C000001",
  DocDate: "2026-03-01T00:00:00Z",
  DocDueDate: "2026-03-31T00:00:00Z",
  DocCurrency: "USD",
  DocRate: 5.1,
  DocTotal: 1275,
  PaidToDate: 255,
  DocTotalFc: 250,
  PaidToDateFC: 50,
  DocumentStatus: "bost_Open",
  Cancelled: "tNO",
  UpdateDate: "2027-01-01T00:00:00Z",
  UpdateTime: "10:00:00",
};
const USD_PAYMENT = {
  DocEntry: 88001,
  DocNum: 588001,
  DocDate: "2026-03-10T00:00:00Z",
  CardCode: "C000001",
  DocCurrency: "USD",
  CashSum: 0,
  TransferSum: 50,
  Cancelled: "tNO",
  PaymentInvoices: [
    { LineNum: 0, DocEntry: 77001, SumApplied: 255, AppliedFC: 50, InvoiceType: "it_Invoice" },
  ],
};

describe.each(["v1", "v2"] as const)("foreign-currency documents on /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  afterEach(() => fake?.close());

  it("dunns a USD invoice of a BRL company in dollars; the local currency read once from AdminInfo", async () => {
    fake = await startFake(version);
    await fake.insert("Invoices", USD_INVOICE);
    await fake.insert("IncomingPayments", USD_PAYMENT);
    const connector = await connect(fake, version);
    const invoices = (await collect(connector.listInvoices({}))).flatMap((p) => p.items);
    const usd = invoices.find((i) => i.externalId === "77001");
    expect(usd).toMatchObject({
      total: { amountMinor: 25000, currency: "USD" },
      openAmount: { amountMinor: 20000, currency: "USD" },
      status: "partially_paid",
      companyTotal: { amountMinor: 127500, currency: "BRL" },
      companyOpenAmount: { amountMinor: 102000, currency: "BRL" },
    });
    // Local documents keep their reais.
    expect(invoices.filter((i) => i.externalId !== "77001").every((i) => i.total.currency === "BRL")).toBe(
      true,
    );
    expect(await connector.getInvoice!("77001")).toMatchObject({
      openAmount: { amountMinor: 20000, currency: "USD" },
    });
    const payments = (await collect(connector.listPayments!({}))).flatMap((p) => p.items);
    expect(payments.find((p) => p.externalId === "88001")).toMatchObject({
      amount: { amountMinor: 5000, currency: "USD" },
      allocations: [{ invoiceRef: "77001", amount: { amountMinor: 5000, currency: "USD" } }],
    });
    const adminInfo = fake.requests.filter((r) => r.path.startsWith("CompanyService_GetAdminInfo"));
    expect(adminInfo).toEqual([
      { method: version === "v1" ? "POST" : "GET", path: "CompanyService_GetAdminInfo", version },
    ]);
    await connector.close();
  });

  it("takes the local currency from the options without asking the Service Layer", async () => {
    fake = await startFake(version, { localCurrency: "US$" });
    await fake.insert("Invoices", USD_INVOICE);
    // The options say the company keeps its books in dollars: DocTotal is the document's amount.
    const connector = await connect(fake, version, { localCurrency: "USD" });
    const usd = await connector.getInvoice!("77001");
    expect(usd).toMatchObject({ total: { amountMinor: 127500, currency: "USD" } });
    expect(fake.requests.some((r) => r.path.startsWith("CompanyService_GetAdminInfo"))).toBe(false);
    await connector.close();
  });
});
