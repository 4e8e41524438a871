import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  brazilianTaxIdKind,
  isValidCnpj,
  isValidCpf,
  normalizeTaxId,
  withCnpjCheckDigits,
  withCpfCheckDigits,
} from "../src/tax-id.js";

const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: length, maxLength: length });
const alnum = (length: number) =>
  fc.string({
    unit: fc.constantFrom(..."0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
    minLength: length,
    maxLength: length,
  });
const notAllSame = (text: string) => !/^(.)\1*$/.test(text);

/** Replaces the character at `index` with a different one from `alphabet`. */
function changeAt(text: string, index: number, shift: number, alphabet: string): string {
  const current = alphabet.indexOf(text[index] as string);
  const replacement = alphabet[(current + 1 + (shift % (alphabet.length - 1))) % alphabet.length] as string;
  return text.slice(0, index) + replacement + text.slice(index + 1);
}

describe("CPF", () => {
  it("validates every generated CPF, formatted or not", () => {
    fc.assert(
      fc.property(digits(9).filter(notAllSame), (base) => {
        const cpf = withCpfCheckDigits(base);
        expect(isValidCpf(cpf)).toBe(true);
        expect(isValidCpf(`${cpf.slice(0, 3)}.${cpf.slice(3, 6)}.${cpf.slice(6, 9)}-${cpf.slice(9)}`)).toBe(
          true,
        );
        expect(brazilianTaxIdKind(cpf)).toBe("cpf");
      }),
    );
  });

  it("rejects a changed check digit; a changed body digit is valid only with its own check digits", () => {
    fc.assert(
      fc.property(digits(9).filter(notAllSame), fc.nat(10), fc.nat(8), (base, index, shift) => {
        const changed = changeAt(withCpfCheckDigits(base), index, shift, "0123456789");
        if (index >= 9) expect(isValidCpf(changed)).toBe(false);
        else
          expect(isValidCpf(changed)).toBe(
            notAllSame(changed) && withCpfCheckDigits(changed.slice(0, 9)) === changed,
          );
      }),
    );
  });

  it("mostly catches a changed body digit, except where mod 11 folds 10 into 0", () => {
    let caught = 0;
    fc.assert(
      fc.property(digits(9).filter(notAllSame), fc.nat(8), fc.nat(8), (base, index, shift) => {
        if (!isValidCpf(changeAt(withCpfCheckDigits(base), index, shift, "0123456789"))) caught++;
      }),
      { numRuns: 1000, seed: 42 },
    );
    expect(caught).toBeGreaterThan(950);
    // The fold is real: these two differ in the first digit and both validate.
    expect(isValidCpf("46944957809")).toBe(true);
    expect(isValidCpf("56944957809")).toBe(true);
  });

  it("rejects repeated digits and wrong lengths", () => {
    expect(isValidCpf("111.111.111-11")).toBe(false);
    expect(isValidCpf("529.982.247-25")).toBe(true);
    expect(isValidCpf("529.982.247-2")).toBe(false);
  });
});

describe("CNPJ", () => {
  it("validates every generated numeric and alphanumeric CNPJ", () => {
    fc.assert(
      fc.property(fc.oneof(digits(12), alnum(12)).filter(notAllSame), (base) => {
        const cnpj = withCnpjCheckDigits(base);
        expect(isValidCnpj(cnpj)).toBe(true);
        expect(isValidCnpj(cnpj.toLowerCase())).toBe(true);
        expect(brazilianTaxIdKind(cnpj)).toBe("cnpj");
      }),
    );
  });

  it("rejects a changed check digit; a changed character is valid only with its own check digits", () => {
    const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    fc.assert(
      fc.property(alnum(12).filter(notAllSame), fc.nat(13), fc.nat(34), (base, index, shift) => {
        const valid = withCnpjCheckDigits(base);
        // Check digits stay numeric; the first 12 may become letters.
        const changed =
          index >= 12
            ? changeAt(valid, index, shift % 9, "0123456789")
            : changeAt(valid, index, shift, alphabet);
        if (index >= 12) expect(isValidCnpj(changed)).toBe(false);
        else
          expect(isValidCnpj(changed)).toBe(
            notAllSame(changed) && withCnpjCheckDigits(changed.slice(0, 12)) === changed,
          );
      }),
    );
  });

  it("catches every single-digit change in a numeric CNPJ body except mod-11 folds", () => {
    let caught = 0;
    fc.assert(
      fc.property(digits(12).filter(notAllSame), fc.nat(11), fc.nat(8), (base, index, shift) => {
        if (!isValidCnpj(changeAt(withCnpjCheckDigits(base), index, shift, "0123456789"))) caught++;
      }),
      { numRuns: 1000, seed: 42 },
    );
    expect(caught).toBeGreaterThan(950);
    // A letter 11 code points from the digit it replaces ("6" → "A") is invisible to mod 11.
    expect(isValidCnpj(withCnpjCheckDigits("000600000000").replace("6", "A"))).toBe(true);
  });

  it("accepts the Receita Federal alphanumeric example 12.ABC.345/01DE-35", () => {
    expect(isValidCnpj("12ABC34501DE35")).toBe(true);
    expect(isValidCnpj("12.ABC.345/01DE-35")).toBe(true);
    expect(normalizeTaxId("12.abc.345/01de-35")).toBe("12ABC34501DE35");
    expect(isValidCnpj("12ABC34501DE36")).toBe(false);
    expect(isValidCnpj("11.222.333/0001-81")).toBe(true);
    expect(isValidCnpj("00000000000000")).toBe(false);
  });
});
