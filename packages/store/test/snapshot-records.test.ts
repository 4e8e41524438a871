// The snapshots hot path reads stored records without zod when they have the current exact
// shape (src/snapshot-records.ts): same result as zod for those, zod for everything else.
import { describe, expect, it } from "vitest";
import { readCustomer, readInvoice } from "../src/codec.js";
import { snapshotCustomer, snapshotInvoice } from "../src/snapshot-records.js";
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
  const goodInvoice = stored(invoice("1", "C1", { updatedAt: "2026-03-01T10:00:00.000Z" }));
  const goodCustomer = stored(customer("C1", { email: "a@b.com.br", updatedAt: "2026-03-01T10:00:00.000Z" }));

  it("reads a record of the current shape exactly as zod does", () => {
    expect(snapshotInvoice(goodInvoice)).toStrictEqual(readInvoice(goodInvoice));
    expect(snapshotCustomer(goodCustomer)).toStrictEqual(readCustomer(goodCustomer));
    const offset = stored(invoice("2", "C1", { updatedAt: "2026-03-01T10:00:00-03:00" }));
    expect(snapshotInvoice(offset)).toStrictEqual(readInvoice(offset));
  });

  it("fills defaults through zod for a record written before a field existed", () => {
    const { instruments: _i, ...older } = JSON.parse(goodInvoice) as Record<string, unknown>;
    expect(snapshotInvoice(JSON.stringify(older)).instruments).toEqual({
      boletoLine: null,
      pixCode: null,
      payLink: null,
      documentUrl: null,
    });
    const { tags: _t, ...olderCustomer } = JSON.parse(goodCustomer) as Record<string, unknown>;
    expect(snapshotCustomer(JSON.stringify(olderCustomer)).tags).toEqual([]);
  });

  it("drops unknown keys and rejects invalid records as zod does", () => {
    const extra = { ...(JSON.parse(goodInvoice) as Record<string, unknown>), legacy: 1 };
    expect(snapshotInvoice(JSON.stringify(extra))).not.toHaveProperty("legacy");
    const bad = [
      { openAmount: { amountMinor: -1, currency: "BRL" } },
      { openAmount: { amountMinor: 10_000, currency: "USD" } },
      { dueDate: "2026-02-30" },
      { status: "settled" },
      { total: { amountMinor: 1.5, currency: "BRL" } },
      { total: { amountMinor: 10_000, currency: "XYZ" } },
    ];
    for (const patch of bad) {
      const record = JSON.stringify({ ...(JSON.parse(goodInvoice) as Record<string, unknown>), ...patch });
      sameFailure(
        () => snapshotInvoice(record),
        () => readInvoice(record),
      );
    }
    const badPhone = JSON.stringify({
      ...(JSON.parse(goodCustomer) as Record<string, unknown>),
      phones: ["123"],
    });
    sameFailure(
      () => snapshotCustomer(badPhone),
      () => readCustomer(badPhone),
    );
    sameFailure(
      () => snapshotInvoice("{not json"),
      () => readInvoice("{not json"),
    );
  });
});
