import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addMoney, currencyExponent, formatMoney, toDecimalString, toMinorUnits } from "../src/money.js";

/** Exact reference: the decimal string's digits as a BigInt scaled to `exponent`, rounded half-up. */
function referenceMinor(text: string, exponent: number): bigint {
  const negative = text.startsWith("-");
  const [whole = "0", fraction = ""] = text.replace(/^[+-]/, "").split(".");
  const scaled = BigInt(`${whole || "0"}${fraction.padEnd(exponent + 1, "0").slice(0, exponent + 1)}`);
  // Half-up: the first dropped digit decides (5 or more rounds away from zero).
  let minor = scaled / 10n;
  const next = scaled % 10n;
  if (next >= 5n) minor += 1n;
  return negative ? -minor : minor;
}

const decimalString = (maxFraction: number) =>
  fc
    .tuple(
      fc.boolean(),
      fc.bigInt({ min: 0n, max: 10n ** 12n }),
      fc.string({ unit: fc.constantFrom(..."0123456789"), maxLength: maxFraction }),
    )
    .map(([negative, whole, fraction]) => `${negative ? "-" : ""}${whole}${fraction ? `.${fraction}` : ""}`);

describe("toMinorUnits", () => {
  it("matches exact decimal arithmetic for BRL (2), JPY (0) and BHD (3)", () => {
    for (const [currency, exponent] of [
      ["BRL", 2],
      ["JPY", 0],
      ["BHD", 3],
    ] as const) {
      expect(currencyExponent(currency)).toBe(exponent);
      fc.assert(
        fc.property(decimalString(6), (text) => {
          const expected = referenceMinor(text, exponent);
          expect(toMinorUnits(text, currency)).toBe(expected === 0n ? 0 : Number(expected));
        }),
      );
    }
  });

  it("round-trips every minor amount through toDecimalString", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
        fc.constantFrom("BRL", "JPY", "BHD", "USD", "KWD", "CLP"),
        (amountMinor, currency) => {
          const text = toDecimalString({ amountMinor, currency });
          expect(toMinorUnits(text, currency)).toBe(amountMinor);
          const digits = text.split(".")[1] ?? "";
          expect(digits.length).toBe(currencyExponent(currency));
        },
      ),
    );
  });

  it("is not fooled by binary floats: 0.1 + 0.2, 1.005, 2.675", () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(toMinorUnits(0.1 + 0.2, "BRL")).toBe(30);
    expect(toMinorUnits("1.005", "BRL")).toBe(101);
    expect(toMinorUnits(2.675, "BRL")).toBe(268);
    expect(toMinorUnits("0.0005", "BHD")).toBe(1);
    expect(toMinorUnits("0.0004", "BHD")).toBe(0);
    expect(toMinorUnits("1234.5", "JPY")).toBe(1235);
  });

  it("rounds negatives away from zero (half-up), and never returns -0", () => {
    expect(toMinorUnits("-1.005", "BRL")).toBe(-101);
    expect(toMinorUnits("-0.004", "BRL")).toBe(0);
    expect(Object.is(toMinorUnits("-0.004", "BRL"), -0)).toBe(false);
    expect(toMinorUnits("-12.34", "BRL")).toBe(-1234);
  });

  it("supports half-even and down", () => {
    expect(toMinorUnits("0.125", "BRL", "half-even")).toBe(12);
    expect(toMinorUnits("0.135", "BRL", "half-even")).toBe(14);
    expect(toMinorUnits("0.1251", "BRL", "half-even")).toBe(13);
    expect(toMinorUnits("0.129", "BRL", "down")).toBe(12);
  });

  it("agrees with numbers and their string form for 2-decimal amounts", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 11), max: 10 ** 11 }), (cents) => {
        const asNumber = cents / 100;
        expect(toMinorUnits(asNumber, "BRL")).toBe(cents);
      }),
    );
  });

  it("rejects text that is not a decimal amount, and amounts past 2^53", () => {
    for (const bad of ["", "-", ".", "1,50", "1.2.3", "abc", "1e5"]) {
      expect(() => toMinorUnits(bad, "BRL"), bad).toThrow(RangeError);
    }
    expect(() => toMinorUnits("99999999999999999", "BRL")).toThrow(/out of range/);
    expect(() => toMinorUnits(Number.NaN, "BRL")).toThrow(RangeError);
  });
});

describe("formatMoney and addMoney", () => {
  it("formats for people in pt-BR", () => {
    expect(formatMoney({ amountMinor: 123456, currency: "BRL" }, "pt-BR")).toBe("R$\u00a01.234,56");
    expect(formatMoney({ amountMinor: -5, currency: "BRL" }, "pt-BR")).toBe("-R$\u00a00,05");
    expect(formatMoney({ amountMinor: 1234, currency: "JPY" }, "pt-BR")).toBe("JP¥\u00a01.234");
  });

  it("adds only the same currency, exactly", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
        (a, b) => {
          expect(addMoney({ amountMinor: a, currency: "BRL" }, { amountMinor: b, currency: "BRL" })).toEqual({
            amountMinor: a + b,
            currency: "BRL",
          });
        },
      ),
    );
    expect(() => addMoney({ amountMinor: 1, currency: "BRL" }, { amountMinor: 1, currency: "USD" })).toThrow(
      RangeError,
    );
  });
});
