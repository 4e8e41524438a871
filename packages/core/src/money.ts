import { z } from "zod";

/**
 * Money is integer minor units plus an ISO 4217 code. Floats never carry money:
 * ERP decimals are converted once, in a connector's mapper, with `toMinorUnits`.
 */
export const CurrencyCode = z
  .string()
  .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as BRL")
  .refine((code) => isKnownCurrency(code), "is not an ISO 4217 currency");

export const Money = z.object({
  amountMinor: z.number().int().refine(Number.isSafeInteger, "must be a safe integer"),
  currency: CurrencyCode,
});
export type Money = z.infer<typeof Money>;

const exponentCache = new Map<string, number>();

let knownCurrencies: ReadonlySet<string> | undefined;

/** ICU's list of ISO 4217 codes, built once: Money is parsed for every ERP record. */
function isKnownCurrency(code: string): boolean {
  knownCurrencies ??= new Set(Intl.supportedValuesOf("currency"));
  return knownCurrencies.has(code);
}

/** Digits after the decimal point for a currency (BRL 2, JPY 0, BHD 3), from ICU's ISO 4217 data. */
export function currencyExponent(currency: string): number {
  let exponent = exponentCache.get(currency);
  if (exponent === undefined) {
    exponent = new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions()
      .maximumFractionDigits as number;
    exponentCache.set(currency, exponent);
  }
  return exponent;
}

export type Rounding = "half-up" | "half-even" | "down";

/**
 * Converts an ERP decimal (as a string, or a JSON number) to integer minor units.
 * Works on the decimal digits, never on binary floats, so 1.005 BRL is 101 with half-up
 * and 0.1 + 0.2 computed by an ERP as 0.30000000000000004 is 30.
 * "half-up" rounds half away from zero (the usual commercial rule).
 */
export function toMinorUnits(
  value: string | number,
  currency: string,
  rounding: Rounding = "half-up",
): number {
  const text = typeof value === "number" ? numberToPlainString(value) : value.trim();
  const match = /^([+-])?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match || (match[2] === "" && (match[3] ?? "") === "")) {
    throw new RangeError(`not a decimal amount: ${JSON.stringify(value)}`);
  }
  const negative = match[1] === "-";
  const exponent = currencyExponent(currency);
  const intPart = match[2] || "0";
  const fraction = match[3] ?? "";
  // Fast path (most ERP amounts): no digits past the currency's exponent and few enough
  // digits to stay exact in a double — plain integer parsing, no BigInt.
  if (fraction.length <= exponent && intPart.length + exponent <= 15) {
    const whole = Number(intPart + fraction.padEnd(exponent, "0"));
    return negative && whole !== 0 ? -whole : whole;
  }
  const kept = fraction.slice(0, exponent).padEnd(exponent, "0");
  const rest = fraction.slice(exponent);
  let minor = BigInt(intPart + kept);
  if (rest !== "" && /[1-9]/.test(rest)) {
    const first = Number(rest[0]);
    const exactHalf = first === 5 && !/[1-9]/.test(rest.slice(1));
    const roundUp =
      rounding === "down"
        ? false
        : rounding === "half-up"
          ? first >= 5
          : first > 5 || (exactHalf ? minor % 2n === 1n : first === 5);
    if (roundUp) minor += 1n;
  }
  const result = Number(negative ? -minor : minor);
  if (!Number.isSafeInteger(result)) throw new RangeError(`amount out of range: ${JSON.stringify(value)}`);
  return result === 0 ? 0 : result; // no -0
}

function numberToPlainString(value: number): string {
  if (!Number.isFinite(value)) throw new RangeError(`not a finite amount: ${value}`);
  const text = String(value);
  if (!/e/i.test(text)) return text;
  // 1e-7 or 1.5e+21: expand the exponent on the decimal digits.
  const [mantissa = "", expText = "0"] = text.toLowerCase().split("e");
  const negative = mantissa.startsWith("-");
  const [whole = "", frac = ""] = mantissa.replace("-", "").split(".");
  const digits = whole + frac;
  const point = whole.length + Number(expText);
  const plain =
    point <= 0
      ? `0.${"0".repeat(-point)}${digits}`
      : point >= digits.length
        ? digits + "0".repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return (negative ? "-" : "") + plain;
}

/** Minor units back to a decimal string ("123.45"), for ERP write-back and logs. */
export function toDecimalString(money: Money): string {
  const exponent = currencyExponent(money.currency);
  const negative = money.amountMinor < 0;
  const digits = Math.abs(money.amountMinor)
    .toString()
    .padStart(exponent + 1, "0");
  const text = exponent === 0 ? digits : `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
  return negative ? `-${text}` : text;
}

/** Formats for people: formatMoney({amountMinor: 123456, currency: "BRL"}, "pt-BR") → "R$ 1.234,56". */
export function formatMoney(money: Money, locale = "pt-BR"): string {
  // Building an Intl.NumberFormat costs far more than formatting with one: one per locale and currency.
  const key = `${locale}|${money.currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    const exponent = currencyExponent(money.currency);
    format = new Intl.NumberFormat(locale, {
      style: "currency",
      currency: money.currency,
      minimumFractionDigits: exponent,
      maximumFractionDigits: exponent,
    });
    moneyFormats.set(key, format);
  }
  return format.format(Number(toDecimalString(money)));
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function money(amountMinor: number, currency: string): Money {
  return Money.parse({ amountMinor, currency });
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} to ${b.currency}`);
  return { amountMinor: a.amountMinor + b.amountMinor, currency: a.currency };
}
