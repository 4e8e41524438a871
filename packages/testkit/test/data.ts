import type { CustomerInput, InvoiceInput, PaymentInput } from "@regua/core";
import type { MemoryRecord } from "../src/index.js";

export function sampleData(invoiceCount = 10) {
  const customers: MemoryRecord<CustomerInput>[] = [
    { externalId: "C1", name: "Maria da Silva", taxId: "529.982.247-25", phones: ["+5511987654321"] },
    {
      externalId: "C2",
      name: "Padaria Pão Quente Ltda",
      taxId: "11222333000181",
      phones: ["+5521998765432"],
    },
  ];
  const invoices: MemoryRecord<InvoiceInput>[] = Array.from({ length: invoiceCount }, (_, i) => ({
    externalId: `INV-${i + 1}`,
    number: String(1000 + i),
    customerRef: i % 2 === 0 ? "C1" : "C2",
    issueDate: "2026-02-01",
    dueDate: "2026-03-01",
    total: { amountMinor: 10_000 + i, currency: "BRL" },
    openAmount: { amountMinor: 10_000 + i, currency: "BRL" },
    status: "open",
    updatedAt: "2026-02-01T12:00:00.000Z",
  }));
  const payments: MemoryRecord<PaymentInput>[] = [
    {
      externalId: "P1",
      customerRef: "C1",
      date: "2026-02-10",
      amount: { amountMinor: 500, currency: "BRL" },
    },
  ];
  return { customers, invoices, payments };
}
