import {
  type Clock,
  CollectionActivity,
  type CollectionActivityInput,
  Customer,
  type CustomerInput,
  Invoice,
  type InvoiceInput,
  Payment,
  type PaymentInput,
  type PlannedAction,
} from "@regua/core";
import type { ReguaStore } from "../src/index.js";

export const SOURCE = "erp";
export const AT = "2026-03-10T12:00:00.000Z";

/** Makes a fresh, migrated store; `secretKey` and `clock` are passed through when given. */
export type StoreFactory = (options?: { secretKey?: string; clock?: Clock }) => Promise<ReguaStore>;

export function customer(externalId: string, overrides: Partial<CustomerInput> = {}): Customer {
  return Customer.parse({
    source: SOURCE,
    externalId,
    name: `Cliente ${externalId}`,
    phones: [`+55119${externalId.replace(/\D/g, "").padStart(8, "0").slice(-8)}`],
    raw: { code: externalId },
    ...overrides,
  });
}

export function invoice(
  externalId: string,
  customerRef: string,
  overrides: Partial<InvoiceInput> = {},
): Invoice {
  const status = overrides.status ?? "open";
  const amount = 10_000;
  return Invoice.parse({
    source: SOURCE,
    externalId,
    number: `NF-${externalId}`,
    customerRef,
    issueDate: "2026-01-15",
    dueDate: "2026-02-15",
    total: { amountMinor: amount, currency: "BRL" },
    openAmount: { amountMinor: status === "paid" || status === "void" ? 0 : amount, currency: "BRL" },
    status,
    updatedAt: "2026-03-01T10:00:00Z",
    ...overrides,
  });
}

export function payment(
  externalId: string,
  invoiceRef: string,
  date: string,
  overrides: Partial<PaymentInput> = {},
) {
  return Payment.parse({
    source: SOURCE,
    externalId,
    date,
    amount: { amountMinor: 10_000, currency: "BRL" },
    allocations: [{ invoiceRef, amount: { amountMinor: 10_000, currency: "BRL" } }],
    ...overrides,
  });
}

export function action(key: string, overrides: Partial<PlannedAction> = {}): PlannedAction {
  return {
    key,
    source: SOURCE,
    customerRef: "C1",
    invoiceRefs: ["I1"],
    stepId: "d+1",
    kind: "message",
    channel: "wa",
    template: "lembrete",
    dueAt: "2026-03-10T09:00:00.000Z",
    expiresAt: null,
    payload: { variables: ["nome"] },
    trace: [{ rule: "d+1", outcome: "fired", reason: "1 day past due" }],
    ...overrides,
  };
}

export function activity(key: string, overrides: Partial<CollectionActivityInput> = {}): CollectionActivity {
  return CollectionActivity.parse({
    key,
    source: SOURCE,
    kind: "message_sent",
    customerRef: "C1",
    invoiceRefs: ["I1"],
    occurredAt: AT,
    subject: "Lembrete enviado por WhatsApp",
    ...overrides,
  });
}

/** Collects every batch of an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
