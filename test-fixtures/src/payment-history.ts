import type { Faker } from "@faker-js/faker";
import {
  createFaker,
  type Dataset,
  type GeneratedInvoice,
  type GeneratedPayment,
  generateCustomers,
} from "./generator.js";

/**
 * A seeded history of monthly invoices and how each customer pays them, for the payment-risk
 * model and `regua simulate --backtest`: months of paid (and some never paid) invoices up to
 * `today`, plus the current month's open ones. Kept apart from generateDataset so the demo and
 * benchmark figures that depend on it do not move.
 *
 * Each customer follows one profile, with its own habit and noise:
 * - early: pays a few days before the due date;
 * - punctual: around the due date, sometimes a few days late;
 * - seasonal: punctual, but late in January–March (IPVA, IPTU, school fees) and early in
 *   December (the 13th salary);
 * - chronic: weeks late, sometimes never;
 * - afterEscalation: pays only once the régua escalates (after D+15), rarely before;
 * - defaulter: very late or never.
 */
export const PAYMENT_PROFILES = [
  "early",
  "punctual",
  "seasonal",
  "chronic",
  "afterEscalation",
  "defaulter",
] as const;
export type PaymentProfile = (typeof PAYMENT_PROFILES)[number];

const PROFILE_WEIGHTS: Record<PaymentProfile, number> = {
  early: 0.22,
  punctual: 0.3,
  seasonal: 0.15,
  chronic: 0.15,
  afterEscalation: 0.12,
  defaulter: 0.06,
};

export interface PaymentHistoryOptions {
  seed: number;
  customers: number;
  /** Months of invoices before `today` (plus the current month's). Default 30. */
  months?: number;
  /** YYYY-MM-DD: payments after it have not happened yet. */
  today: string;
}

export interface PaymentHistoryDataset extends Dataset {
  /** Each customer's profile, by customer code: what a test can check the model learnt. */
  profiles: Record<string, PaymentProfile>;
}

const DAY_MS = 86_400_000;

function addDays(isoDate: string, days: number): string {
  return new Date(Date.parse(`${isoDate}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

function pickProfile(faker: Faker): PaymentProfile {
  let roll = faker.number.float();
  for (const profile of PAYMENT_PROFILES) {
    roll -= PROFILE_WEIGHTS[profile];
    if (roll < 0) return profile;
  }
  return "punctual";
}

/** A normal draw (Box–Muller) from the seeded faker. */
function normal(faker: Faker, mean: number, sd: number): number {
  const u = Math.max(1e-12, faker.number.float());
  const v = faker.number.float();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Days after the due date this customer pays this invoice, or null: never. */
function daysToPay(
  faker: Faker,
  profile: PaymentProfile,
  habit: number,
  dueDate: string,
  amountCents: number,
): number | null {
  const month = Number(dueDate.slice(5, 7));
  // Large invoices are paid a little later by everyone.
  const size = Math.log10(amountCents / 10_000) * 2;
  switch (profile) {
    case "early":
      return Math.round(normal(faker, -4 + habit, 2) + size);
    case "punctual":
      return Math.round(Math.max(-3, normal(faker, 1 + habit, 3) + size));
    case "seasonal":
      if (month <= 3) return Math.round(normal(faker, 22 + habit, 8) + size);
      if (month === 12) return Math.round(normal(faker, -3, 2));
      return Math.round(Math.max(-3, normal(faker, 1 + habit, 3) + size));
    case "chronic":
      if (faker.number.float() < 0.08) return null;
      return Math.round(Math.max(3, normal(faker, 28 + 3 * habit, 12) + size));
    case "afterEscalation":
      if (faker.number.float() < 0.12) return Math.round(Math.max(0, normal(faker, 6, 3)));
      return 16 + Math.round(Math.abs(normal(faker, 4 + habit, 4)));
    case "defaulter":
      if (faker.number.float() < 0.5) return null;
      return Math.round(Math.max(20, normal(faker, 55, 20)));
  }
}

export function generatePaymentHistory(options: PaymentHistoryOptions): PaymentHistoryDataset {
  const faker = createFaker(options.seed);
  const months = options.months ?? 30;
  const customers = [...generateCustomers(faker, options.customers, options.today)];
  const invoices: GeneratedInvoice[] = [];
  const payments: GeneratedPayment[] = [];
  const profiles: Record<string, PaymentProfile> = {};
  const [year, month] = options.today.split("-").map(Number) as [number, number];
  let id = 1;
  for (const customer of customers) {
    const profile = pickProfile(faker);
    profiles[customer.code] = profile;
    const habit = normal(faker, 0, 1.5);
    const dueDay = faker.helpers.arrayElement([5, 10, 15, 20, 25]);
    const baseCents = Math.round(10 ** normal(faker, 4.6, 0.45));
    for (let k = months; k >= 0; k--) {
      const first = new Date(Date.UTC(year, month - 1 - k, 1));
      const dueDate = addDays(first.toISOString().slice(0, 10), dueDay - 1);
      if (dueDate > addDays(options.today, 30)) continue;
      const totalCents = Math.max(4_990, Math.round(baseCents * (0.85 + 0.3 * faker.number.float())));
      const lateBy = daysToPay(faker, profile, habit, dueDate, totalCents);
      const paidOn = lateBy === null ? null : addDays(dueDate, lateBy);
      const paid = paidOn !== null && paidOn <= options.today;
      const issueDate = addDays(dueDate, -15);
      const invoiceId = id++;
      invoices.push({
        id: invoiceId,
        number: String(200_000 + invoiceId),
        customerCode: customer.code,
        issueDate,
        dueDate,
        total: (totalCents / 100).toFixed(2),
        paid: paid ? (totalCents / 100).toFixed(2) : "0.00",
        currency: "BRL",
        status: paid ? "paid" : "open",
        boletoLine: "",
        pixCode: "",
        updatedAt: `${paid ? paidOn : issueDate}T12:00:00.000Z`,
      });
      if (paid && paidOn !== null) {
        const amount = (totalCents / 100).toFixed(2);
        payments.push({
          id: payments.length + 1,
          customerCode: customer.code,
          date: paidOn,
          amount,
          allocations: [{ invoiceId, amount }],
        });
      }
    }
  }
  return { customers, invoices, payments, profiles };
}
