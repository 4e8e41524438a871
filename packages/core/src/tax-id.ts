/**
 * Brazilian taxpayer ids. CPF: 11 digits, two mod-11 check digits.
 * CNPJ: 14 characters; since July 2026 the first 12 may be letters (Receita Federal's
 * alphanumeric CNPJ, IN RFB 2.229/2024): each character counts as its char code − 48,
 * so digit-only CNPJs validate exactly as before.
 */
export type TaxIdKind = "cpf" | "cnpj";

export function normalizeTaxId(raw: string): string {
  return raw.toUpperCase().replace(/[.\-/\s]/g, "");
}

export function isValidCpf(raw: string): boolean {
  const cpf = normalizeTaxId(raw);
  if (!/^\d{11}$/.test(cpf) || /^(\d)\1{10}$/.test(cpf)) return false;
  const digits = [...cpf].map(Number);
  const check = (length: number) => {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (digits[i] as number) * (length + 1 - i);
    const rest = (sum * 10) % 11;
    return rest === 10 ? 0 : rest;
  };
  return check(9) === digits[9] && check(10) === digits[10];
}

export function isValidCnpj(raw: string): boolean {
  const cnpj = normalizeTaxId(raw);
  if (!/^[0-9A-Z]{12}\d{2}$/.test(cnpj) || /^(\d)\1{13}$/.test(cnpj)) return false;
  const values = [...cnpj].map((c) => c.charCodeAt(0) - 48);
  const check = (length: number) => {
    const weights =
      length === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (values[i] as number) * (weights[i] as number);
    const rest = sum % 11;
    return rest < 2 ? 0 : 11 - rest;
  };
  return check(12) === values[12] && check(13) === values[13];
}

/** Which Brazilian id this is, or null when it is neither a valid CPF nor a valid CNPJ. */
export function brazilianTaxIdKind(raw: string): TaxIdKind | null {
  if (isValidCpf(raw)) return "cpf";
  if (isValidCnpj(raw)) return "cnpj";
  return null;
}

/** Computes check digits: used by the data generator and tests. */
export function withCpfCheckDigits(nineDigits: string): string {
  let cpf = nineDigits;
  for (const length of [9, 10]) {
    let sum = 0;
    for (let i = 0; i < length; i++) sum += Number(cpf[i]) * (length + 1 - i);
    const rest = (sum * 10) % 11;
    cpf += String(rest === 10 ? 0 : rest);
  }
  return cpf;
}

export function withCnpjCheckDigits(twelveChars: string): string {
  let cnpj = twelveChars.toUpperCase();
  for (const length of [12, 13]) {
    const weights =
      length === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    let sum = 0;
    for (let i = 0; i < length; i++) sum += (cnpj.charCodeAt(i) - 48) * (weights[i] as number);
    const rest = sum % 11;
    cnpj += String(rest < 2 ? 0 : 11 - rest);
  }
  return cnpj;
}
