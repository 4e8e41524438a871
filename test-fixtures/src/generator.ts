import { base, Faker, pt_BR } from "@faker-js/faker";
import { withCnpjCheckDigits, withCpfCheckDigits } from "@regua/core";

/**
 * A seeded generator of realistic Brazilian billing data: CPF/CNPJ with valid check digits,
 * E.164 mobile numbers, BRL amounts as decimal strings (as ERPs send them), due dates around
 * `today`, boleto lines and PIX codes. The same seed always yields the same data.
 *
 * The records are ERP-neutral; each fake server turns them into its own wire format.
 */
export interface GeneratedCustomer {
  code: string;
  name: string;
  kind: "cpf" | "cnpj";
  taxId: string;
  /** E.164 */
  phone: string;
  email: string;
  city: string;
  state: string;
  segment: "varejo" | "atacado" | "servicos" | "residencial";
  /** 1 (low) .. 5 (high) customer value tier */
  value: number;
  /** ISO-8601 */
  updatedAt: string;
}

export interface GeneratedInvoice {
  /** Numeric id, unique in the dataset (SAP DocEntry, Odoo id, …). */
  id: number;
  number: string;
  customerCode: string;
  issueDate: string;
  dueDate: string;
  /** Decimal string with 2 places, e.g. "1234.56". */
  total: string;
  paid: string;
  currency: "BRL";
  status: "open" | "paid" | "cancelled";
  boletoLine: string;
  pixCode: string;
  updatedAt: string;
}

export interface GeneratedPayment {
  id: number;
  customerCode: string;
  date: string;
  amount: string;
  allocations: { invoiceId: number; amount: string }[];
}

export interface Dataset {
  customers: GeneratedCustomer[];
  invoices: GeneratedInvoice[];
  payments: GeneratedPayment[];
}

export interface GenerateOptions {
  seed: number;
  customers: number;
  /** Mean invoices per customer (each gets 1..2×mean−1). Default 3. */
  invoicesPerCustomer?: number;
  /** The day the data is "as of" (YYYY-MM-DD); due dates fall from 120 days before to 30 after. */
  today: string;
  /** Share of invoices already paid. Default 0.35. */
  paidShare?: number;
}

const DAY_MS = 86_400_000;
const MOBILE_DDDS = ["11", "21", "31", "41", "47", "48", "51", "61", "71", "81", "85", "62", "27", "19"];
const UF_BY_DDD: Record<string, string> = {
  "11": "SP",
  "19": "SP",
  "21": "RJ",
  "27": "ES",
  "31": "MG",
  "41": "PR",
  "47": "SC",
  "48": "SC",
  "51": "RS",
  "61": "DF",
  "62": "GO",
  "71": "BA",
  "81": "PE",
  "85": "CE",
};
const SEGMENTS = ["varejo", "atacado", "servicos", "residencial"] as const;

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function cents(value: number): string {
  return (value / 100).toFixed(2);
}

export function createFaker(seed: number): Faker {
  const faker = new Faker({ locale: [pt_BR, base] });
  faker.seed(seed);
  return faker;
}

export function* generateCustomers(faker: Faker, count: number, today: string): Generator<GeneratedCustomer> {
  for (let i = 1; i <= count; i++) {
    const company = faker.number.float() < 0.3;
    const ddd = faker.helpers.arrayElement(MOBILE_DDDS);
    const taxId = company
      ? withCnpjCheckDigits(`${faker.string.numeric(8)}0001`)
      : withCpfCheckDigits(faker.string.numeric({ length: 9, allowLeadingZeros: true }));
    const name = company ? faker.company.name() : faker.person.fullName();
    yield {
      code: `C${String(i).padStart(6, "0")}`,
      name,
      kind: company ? "cnpj" : "cpf",
      taxId,
      phone: `+55${ddd}9${faker.string.numeric({ length: 8, allowLeadingZeros: true })}`,
      email: faker.internet.email({ firstName: name.split(" ")[0] }).toLowerCase(),
      city: faker.location.city(),
      state: UF_BY_DDD[ddd] ?? "SP",
      segment: faker.helpers.arrayElement(SEGMENTS),
      value: faker.number.int({ min: 1, max: 5 }),
      updatedAt: `${addDays(today, -faker.number.int({ min: 1, max: 400 }))}T12:00:00.000Z`,
    };
  }
}

/** Invoices for the given customers; ids start at `firstId`. */
export function* generateInvoices(
  faker: Faker,
  customers: readonly Pick<GeneratedCustomer, "code">[],
  options: { today: string; invoicesPerCustomer?: number; paidShare?: number; firstId?: number },
): Generator<GeneratedInvoice> {
  const mean = options.invoicesPerCustomer ?? 3;
  const paidShare = options.paidShare ?? 0.35;
  let id = options.firstId ?? 1;
  for (const customer of customers) {
    const count = faker.number.int({ min: 1, max: Math.max(1, 2 * mean - 1) });
    for (let k = 0; k < count; k++, id++) {
      const dueOffset = faker.number.int({ min: -120, max: 30 });
      const dueDate = addDays(options.today, dueOffset);
      const issueDate = addDays(dueDate, -faker.helpers.arrayElement([10, 15, 30]));
      const totalCents = faker.number.int({ min: 4_990, max: 950_000 });
      const paidState = faker.number.float();
      const paid = paidState < paidShare;
      const partial = !paid && paidState < paidShare + 0.05;
      const paidCents = paid ? totalCents : partial ? Math.floor(totalCents / 2) : 0;
      const status =
        paid || partial ? (paid ? "paid" : "open") : faker.number.float() < 0.02 ? "cancelled" : "open";
      yield {
        id,
        number: String(100_000 + id),
        customerCode: customer.code,
        issueDate,
        dueDate,
        total: cents(totalCents),
        paid: cents(paidCents),
        currency: "BRL",
        status,
        boletoLine: boletoLine(faker, totalCents, dueDate),
        pixCode: pixCode(faker, totalCents),
        updatedAt: `${issueDate}T${String(faker.number.int({ min: 8, max: 18 })).padStart(2, "0")}:00:00.000Z`,
      };
    }
  }
}

/** A payment for every paid or partially paid invoice, allocated to it. */
export function* paymentsFor(
  invoices: Iterable<GeneratedInvoice>,
  faker: Faker,
): Generator<GeneratedPayment> {
  let id = 1;
  for (const invoice of invoices) {
    if (invoice.paid === "0.00" || invoice.status === "cancelled") continue;
    yield {
      id: id++,
      customerCode: invoice.customerCode,
      date: addDays(invoice.dueDate, faker.number.int({ min: -5, max: 20 })),
      amount: invoice.paid,
      allocations: [{ invoiceId: invoice.id, amount: invoice.paid }],
    };
  }
}

export function generateDataset(options: GenerateOptions): Dataset {
  const faker = createFaker(options.seed);
  const customers = [...generateCustomers(faker, options.customers, options.today)];
  const invoices = [...generateInvoices(faker, customers, options)];
  const payments = [...paymentsFor(invoices, faker)];
  return { customers, invoices, payments };
}

/**
 * A boleto "linha digitável" (47 digits) with the real layout: bank 341 (Itaú), currency 9,
 * three fields with mod-10 check digits, the general mod-11 digit, due-date factor and amount.
 * Factor base: 1997-10-07, restarting at 1000 on 2025-02-22 (FEBRABAN's rollover).
 */
function boletoLine(faker: Faker, amountCents: number, dueDate: string): string {
  const free = faker.string.numeric({ length: 25, allowLeadingZeros: true });
  const days = Math.round((Date.parse(`${dueDate}T00:00:00Z`) - Date.parse("2025-02-22T00:00:00Z")) / DAY_MS);
  const factor = String(days >= 0 ? 1000 + (days % 9000) : 9999 + days).padStart(4, "0");
  const amount = String(amountCents).padStart(10, "0");
  const barcodeWithoutDv = `3419${factor}${amount}${free}`;
  const dv = mod11(barcodeWithoutDv);
  const field1 = `3419${free.slice(0, 5)}`;
  const field2 = free.slice(5, 15);
  const field3 = free.slice(15, 25);
  return `${field1}${mod10(field1)}${field2}${mod10(field2)}${field3}${mod10(field3)}${dv}${factor}${amount}`;
}

function mod10(digits: string): number {
  let sum = 0;
  let weight = 2;
  for (let i = digits.length - 1; i >= 0; i--) {
    const product = Number(digits[i]) * weight;
    sum += product > 9 ? product - 9 : product;
    weight = weight === 2 ? 1 : 2;
  }
  return (10 - (sum % 10)) % 10;
}

function mod11(digits: string): number {
  let sum = 0;
  let weight = 2;
  for (let i = digits.length - 1; i >= 0; i--) {
    sum += Number(digits[i]) * weight;
    weight = weight === 9 ? 2 : weight + 1;
  }
  const rest = 11 - (sum % 11);
  return rest === 0 || rest === 10 || rest === 11 ? 1 : rest;
}

/** A PIX "copia e cola" BR Code (EMV TLV) with its CRC16-CCITT, as banks print them. */
function pixCode(faker: Faker, amountCents: number): string {
  const tlv = (id: string, value: string) => `${id}${String(value.length).padStart(2, "0")}${value}`;
  const account = tlv("00", "br.gov.bcb.pix") + tlv("01", faker.string.uuid());
  const payload =
    tlv("00", "01") +
    tlv("26", account) +
    tlv("52", "0000") +
    tlv("53", "986") +
    tlv("54", cents(amountCents)) +
    tlv("58", "BR") +
    tlv("59", "REGUA DEMO LTDA") +
    tlv("60", "SAO PAULO") +
    tlv("62", tlv("05", faker.string.alphanumeric(10).toUpperCase())) +
    "6304";
  return payload + crc16(payload);
}

function crc16(text: string): string {
  let crc = 0xffff;
  for (let i = 0; i < text.length; i++) {
    crc ^= text.charCodeAt(i) << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, "0");
}
