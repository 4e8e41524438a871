// The snapshots hot path reads stored customer records without zod when they have the current
// exact shape (src/snapshot-records.ts): same result as zod for those, zod for everything else.
// Invoices come from their columns; history entries without zod when well formed.
import { describe, expect, it } from "vitest";
import { readCustomer, readHistoryEntry } from "../src/codec.js";
import {
  isFastCustomer,
  type SnapshotInvoiceRow,
  snapshotCustomer,
  snapshotHistoryEntry,
  snapshotInvoice,
} from "../src/snapshot-records.js";
import { customer, invoice } from "./fixtures.js";

/** The fast reader fails exactly as zod's reader does. */
function sameFailure(read: () => unknown, zod: () => unknown): void {
  let expected: unknown;
  try {
    zod();
  } catch (error) {
    expected = error;
  }
  expect(expected).toBeInstanceOf(Error);
  expect(read).toThrow((expected as Error).message);
}

function stored(record: { raw?: unknown }): string {
  const { raw: _raw, ...canonical } = record;
  return JSON.stringify(canonical);
}

describe("snapshot records", () => {
  const goodCustomer = stored(customer("C1", { email: "a@b.com.br", updatedAt: "2026-03-01T10:00:00.000Z" }));
  const row: SnapshotInvoiceRow = {
    customer_ref: "C1",
    external_id: "1",
    status: "partially_paid",
    due_date: "2026-02-01",
    open_amount_minor: "4000",
    total_minor: 10_000,
    currency: "BRL",
    number: "NF-1",
  };

  it("reads a customer record of the current shape exactly as zod does", () => {
    expect(snapshotCustomer(goodCustomer)).toStrictEqual(readCustomer(goodCustomer));
  });

  it("builds the planner's invoice from its columns (PostgreSQL BIGINT strings included)", () => {
    const fromColumns = snapshotInvoice("erp", row);
    const full = invoice("1", "C1", {
      source: "erp",
      number: "NF-1",
      status: "partially_paid",
      dueDate: "2026-02-01",
      total: { amountMinor: 10_000, currency: "BRL" },
      openAmount: { amountMinor: 4000, currency: "BRL" },
    });
    for (const field of Object.keys(fromColumns) as (keyof typeof fromColumns)[]) {
      expect(fromColumns[field]).toEqual(full[field]);
    }
  });

  it("names the row and column of an invoice a hand edit broke", () => {
    expect(() => snapshotInvoice("erp", { ...row, status: "settled" })).toThrow(/invoices\[erp\/1\]\.status/);
    expect(() => snapshotInvoice("erp", { ...row, due_date: "2026-02-30" })).toThrow(/due_date/);
    expect(() => snapshotInvoice("erp", { ...row, currency: "XYZ" })).toThrow(/currency/);
    expect(() => snapshotInvoice("erp", { ...row, number: null })).toThrow(/no invoice number/);
  });

  it("reads history entries as zod does, and falls back to zod for malformed ones", () => {
    const entry = {
      customer_ref: "C1",
      key: "k1",
      step_id: "d0",
      invoice_refs: '["1","2"]',
      status: "sent",
      due_at: "2026-03-01T12:00:00.000Z",
      sent_at: "2026-03-01T12:00:01.000Z",
      replied_at: null,
    };
    expect(snapshotHistoryEntry(entry)).toStrictEqual(readHistoryEntry(entry));
    for (const patch of [{ invoice_refs: "[1]" }, { status: "lost" }, { invoice_refs: "{" }]) {
      sameFailure(
        () => snapshotHistoryEntry({ ...entry, ...patch }),
        () => readHistoryEntry({ ...entry, ...patch }),
      );
    }
  });

  it("takes the path without zod whether the optional fields are there or not, as zod reads them", () => {
    const {
      deletedAt: _d,
      unappliedCredit: _u,
      birthDate: _b,
      postalCode: _p,
      ...without
    } = JSON.parse(goodCustomer) as Record<string, unknown>;
    const withAll = {
      ...without,
      deletedAt: null,
      unappliedCredit: { amountMinor: 1500, currency: "BRL" },
      birthDate: "1980-05-17",
      postalCode: "01310-100",
    };
    for (const record of [without, withAll, { ...without, birthDate: null, postalCode: null }]) {
      expect(isFastCustomer(record)).toBe(true);
      expect(snapshotCustomer(JSON.stringify(record))).toStrictEqual(readCustomer(JSON.stringify(record)));
    }
    // A malformed optional field goes to zod, which names it.
    for (const patch of [
      { birthDate: "1980-02-30" },
      { postalCode: "" },
      { unappliedCredit: { amountMinor: 1.5, currency: "BRL" } },
      { deletedAt: "yesterday" },
    ]) {
      const bad = JSON.stringify({ ...withAll, ...patch });
      expect(isFastCustomer(JSON.parse(bad))).toBe(false);
      sameFailure(
        () => snapshotCustomer(bad),
        () => readCustomer(bad),
      );
    }
    expect(isFastCustomer({ ...withAll, surprise: 1 })).toBe(false);
  });

  it("fills defaults through zod for a customer record written before a field existed", () => {
    const { tags: _t, ...olderCustomer } = JSON.parse(goodCustomer) as Record<string, unknown>;
    expect(snapshotCustomer(JSON.stringify(olderCustomer)).tags).toEqual([]);
  });

  it("rejects invalid customer records as zod does", () => {
    const badPhone = JSON.stringify({
      ...(JSON.parse(goodCustomer) as Record<string, unknown>),
      phones: ["123"],
    });
    sameFailure(
      () => snapshotCustomer(badPhone),
      () => readCustomer(badPhone),
    );
    sameFailure(
      () => snapshotCustomer("{not json"),
      () => readCustomer("{not json"),
    );
  });
});
