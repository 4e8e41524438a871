import { describe, expect, it } from "vitest";
import { Customer, classifyTaxId, Invoice, normalizePhone } from "../src/index.js";

const invoice = {
  source: "erp",
  externalId: "42",
  number: "NF-42",
  customerRef: "C1",
  issueDate: "2026-11-01",
  dueDate: "2026-11-20",
  total: { amountMinor: 10_000, currency: "BRL" },
  openAmount: { amountMinor: 10_000, currency: "BRL" },
  status: "open",
};

describe("canonical model", () => {
  it("fills defaults for a minimal invoice", () => {
    const parsed = Invoice.parse(invoice);
    expect(parsed.instruments).toEqual({ boletoLine: null, pixCode: null, payLink: null, documentUrl: null });
  });

  it("rejects an open amount in another currency, naming the field", () => {
    const result = Invoice.safeParse({ ...invoice, openAmount: { amountMinor: 1, currency: "USD" } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["openAmount", "currency"]);
  });

  it("rejects float money and unknown currencies", () => {
    expect(Invoice.safeParse({ ...invoice, total: { amountMinor: 100.5, currency: "BRL" } }).success).toBe(
      false,
    );
    expect(Invoice.safeParse({ ...invoice, total: { amountMinor: 100, currency: "XYZ" } }).success).toBe(
      false,
    );
  });

  it("rejects a calendar date that does not exist", () => {
    expect(Invoice.safeParse({ ...invoice, dueDate: "2026-02-31" }).success).toBe(false);
  });

  it("accepts only E.164 phones on customers", () => {
    const base = { source: "erp", externalId: "C1", name: "Ana" };
    expect(Customer.safeParse({ ...base, phones: ["+5511987654321"] }).success).toBe(true);
    expect(Customer.safeParse({ ...base, phones: ["(11) 98765-4321"] }).success).toBe(false);
  });
});

describe("normalizePhone", () => {
  it("turns Brazilian formats into E.164 with the default region", () => {
    expect(normalizePhone("(11) 98765-4321")).toBe("+5511987654321");
    expect(normalizePhone("+55 21 99876-5432")).toBe("+5521998765432");
  });

  it("returns null for numbers that cannot be valid", () => {
    expect(normalizePhone("123")).toBeNull();
    expect(normalizePhone("")).toBeNull();
    expect(normalizePhone(null)).toBeNull();
  });
});

describe("classifyTaxId", () => {
  it("validates CPF/CNPJ only for Brazil", () => {
    expect(classifyTaxId("529.982.247-25", "BR")).toEqual({ taxId: "52998224725", taxIdKind: "cpf" });
    expect(classifyTaxId("11.222.333/0001-81", "BR")).toEqual({ taxId: "11222333000181", taxIdKind: "cnpj" });
    expect(classifyTaxId("529.982.247-26", "BR")).toHaveProperty("error");
    expect(classifyTaxId("DE123456789", "DE")).toEqual({ taxId: "DE123456789", taxIdKind: "other" });
  });
});
