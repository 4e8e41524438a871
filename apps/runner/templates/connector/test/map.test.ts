import { describe, expect, it } from "vitest";
import { mapCustomer, mapInvoice } from "../src/map.js";
import type { AcmeInvoice } from "../src/schemas.js";

const ctx = { source: "acme-main", currency: "BRL" };
const invoice: AcmeInvoice = {
  id: "101",
  number: "NF-1-1",
  customer_id: "1",
  issued_on: "2026-02-01",
  due_on: "2026-03-05",
  total: "1234.56",
  balance: "1000.01",
  currency: null,
  status: "open",
  barcode: null,
  updated_at: "2026-03-01T12:00:00Z",
};

describe("mapping Acme payloads", () => {
  it("turns decimal strings into integer minor units and reads a partial payment", () => {
    const mapped = mapInvoice(invoice, ctx);
    expect(mapped.total).toEqual({ amountMinor: 123456, currency: "BRL" });
    expect(mapped.openAmount).toEqual({ amountMinor: 100001, currency: "BRL" });
    expect(mapped.status).toBe("partially_paid");
  });

  it("owes nothing on a cancelled invoice", () => {
    const mapped = mapInvoice({ ...invoice, status: "cancelled" }, ctx);
    expect(mapped.status).toBe("cancelled");
    expect(mapped.openAmount.amountMinor).toBe(0);
  });

  it("rejects a customer whose CPF has a wrong check digit, naming the field", () => {
    const row = {
      id: "9",
      name: "Cliente 9",
      tax_id: "529.982.247-26",
      email: null,
      phone: null,
      updated_at: "2026-03-01T12:00:00Z",
    };
    expect(() => mapCustomer(row, ctx)).toThrow(/tax_id/);
  });
});
