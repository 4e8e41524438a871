import { Invoice, toMinorUnits } from "@regua/core";
import { describe, expect, it } from "vitest";
import { createMapper, laterStamp, MappingError, type Stamp } from "../src/map.js";
import { SapB1Options } from "../src/options.js";
import { Document, isPlainDocument } from "../src/schemas.js";

/**
 * The listing's fast paths must give what the slow ones give: the plain-document check never
 * vouches for a row `Document` would reject or change, and the number fast path of the amount
 * conversion agrees with `toMinorUnits`. Seeded pseudo-random cases, so a failure reproduces.
 */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const options = SapB1Options.parse({
  baseUrl: "https://sap.local:50000",
  companyDb: "SBODEMOBR",
  user: "manager",
  password: "x",
});

const v2Row = {
  DocEntry: 1,
  DocNum: 100001,
  CardCode: "C000001",
  DocDate: "2026-03-02T00:00:00Z",
  DocDueDate: "2026-04-01T00:00:00Z",
  DocTotal: 181.74,
  PaidToDate: 0,
  DocCurrency: "R$",
  DocumentStatus: "bost_Open",
  Cancelled: "tNO",
  UpdateDate: "2026-03-02T00:00:00Z",
  UpdateTime: "17:00:00",
  U_BoletoLinha: "34196995946346599391111509801319114030000018174",
};
const v1Row = {
  ...v2Row,
  DocDate: "2026-03-02",
  DocDueDate: "2026-04-01",
  UpdateDate: "2026-03-02",
  DocTotal: "181.74",
};

const MISSING = Symbol("missing");
const anyValues: unknown[] = [
  MISSING,
  null,
  "",
  " ",
  "x",
  0,
  -1,
  1.5,
  2 ** 53,
  Number.NaN,
  true,
  [],
  {},
  [1],
];
const candidates: Record<string, unknown[]> = {
  DocEntry: [1, 42, -3, 9007199254740991],
  DocNum: [100001, 0],
  CardCode: ["C1", "C000001"],
  DocDate: ["2026-03-02", "2026-03-02T00:00:00Z", "2026-3-02", "02/03/2026", "2026-03-0"],
  DocDueDate: ["2026-04-01", "2026-04-01T00:00:00Z", "20260401", "2026-04-01x"],
  DocTotal: [181.74, "181.74", "-5", "1e3", "1.", ".5", 1e21, -0, "12,50"],
  PaidToDate: [0, "0.105", 0.30000000000000004, "abc"],
  DocTotalFc: [0, 35.5, "35.50", "x", null],
  PaidToDateFC: [0, "1.5", "1,5", null],
  DocCurrency: ["R$", "BRL", "XX$"],
  DocumentStatus: ["bost_Open", "bost_Close", "bost_Paid", "bost_Delivered", "bost_open", "Open"],
  Cancelled: ["tYES", "tNO", "YES"],
  CancelStatus: ["csYes", "csNo", "csCancellation", "cancelled", null],
  UpdateDate: ["2026-03-02", "2026-03-02T00:00:00Z", "March"],
  UpdateTime: ["17:00:00", "17:00", "7:00", "17:00:00.123", "1700"],
  DocumentLines: [[{ BaseType: 13, BaseEntry: 1 }], [{ BaseType: "13" }]],
};

describe("fast paths agree with the schema and the core", () => {
  it("vouches for ordinary v1 and v2 rows, so the listing takes the fast path", () => {
    expect(isPlainDocument(v2Row)).toBe(true);
    expect(isPlainDocument(v1Row)).toBe(true);
    expect(isPlainDocument({ ...v2Row, PaidToDate: null, Cancelled: null, UpdateDate: null })).toBe(true);
  });

  it("never vouches for a row Document rejects or would change (20,000 mutated rows)", () => {
    const next = random(2026);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)] as T;
    let vouched = 0;
    for (let i = 0; i < 20_000; i++) {
      const row: Record<string, unknown> = { ...(next() < 0.5 ? v1Row : v2Row) };
      const mutations = 1 + Math.floor(next() * 3);
      for (let m = 0; m < mutations; m++) {
        const field = pick(Object.keys(candidates));
        const value = next() < 0.6 ? pick(candidates[field] ?? []) : pick(anyValues);
        if (value === MISSING) delete row[field];
        else row[field] = value;
      }
      if (!isPlainDocument(row)) continue;
      vouched++;
      const parsed = Document.safeParse(row);
      expect(parsed.success, JSON.stringify(row)).toBe(true);
      expect(parsed.data).toStrictEqual(row);
    }
    expect(vouched).toBeGreaterThan(1_000);
    expect(isPlainDocument(null)).toBe(false);
    expect(isPlainDocument([v2Row])).toBe(false);
  });

  it("converts JSON numbers to minor units exactly as toMinorUnits does", () => {
    const next = random(7);
    for (const currency of ["BRL", "JPY", "BHD"]) {
      // The company's own currency: the amounts are DocTotal/PaidToDate.
      const mapper = createMapper({ source: "s", options, localCurrency: currency });
      for (let i = 0; i < 20_000; i++) {
        const digits = Math.floor(next() * 6);
        const magnitude = 10 ** Math.floor(next() * 17);
        const sign = next() < 0.2 ? -1 : 1;
        const value = sign * Number((next() * magnitude).toFixed(digits));
        const row = { ...v2Row, DocCurrency: currency, DocTotal: value, PaidToDate: 0 };
        let expected: number | "throws";
        try {
          expected = toMinorUnits(value, currency);
        } catch {
          expected = "throws";
        }
        if (expected === "throws") {
          expect(() => mapper.invoice(row as Document), String(value)).toThrow(MappingError);
        } else {
          expect(mapper.invoice(row as Document).total.amountMinor, `${value} ${currency}`).toBe(expected);
        }
      }
    }
  });

  it("builds invoices core's Invoice schema accepts, and rejects a three-letter code that is no currency", () => {
    const mapper = createMapper({ source: "s", options, localCurrency: "R$" });
    const invoice = mapper.invoice(v2Row as Document);
    expect(Invoice.safeParse(invoice).success).toBe(true);
    expect(() => mapper.invoice({ ...v2Row, DocCurrency: "XYZ" } as Document)).toThrow(
      /^DocCurrency: unknown currency "XYZ"/,
    );
  });

  it('orders stamps as their date + "T" + time text does', () => {
    const next = random(11);
    const stamp = (): Stamp => ({
      date: `2026-0${1 + Math.floor(next() * 3)}-1${Math.floor(next() * 3)}`,
      time: `1${Math.floor(next() * 3)}:0${Math.floor(next() * 3)}:00`,
    });
    for (let i = 0; i < 2_000; i++) {
      const a = stamp();
      const b = stamp();
      const text = `${a.date}T${a.time}` >= `${b.date}T${b.time}` ? a : b;
      expect(laterStamp(a, b)).toBe(text);
    }
  });
});
