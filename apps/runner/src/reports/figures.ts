import {
  currencyExponent,
  type DunningStore,
  type LedgerFigures,
  type PeriodFigures,
  type ReportPeriod,
} from "@regua/core";
import type { ReportsConfig } from "./schema.js";

const DAY_MS = 86_400_000;

export type PeriodKind = "day" | "week";

/** Cost of a group of messages, in the price list's currency (null: no price list configured). */
export interface StepCost {
  source: string;
  stepId: string;
  billable: number;
  currency: string;
  amountMinor: number;
}

export interface PeriodSummary {
  figures: PeriodFigures;
  costs: StepCost[];
}

/** Everything one report shows, read once from the store. */
export interface ReportData {
  kind: PeriodKind;
  generatedAt: string;
  current: PeriodSummary;
  previous: PeriodSummary;
  /** Receivables at the end of each day (day reports: 14 days; week reports: 8 week ends). */
  ledger: LedgerFigures;
  dsoDays: number;
  /** Currency of the price list; costs are only ever compared with money in that currency. */
  priceCurrency: string | null;
}

const dayStart = (instant: string): number => Date.parse(`${instant.slice(0, 10)}T00:00:00.000Z`);
const iso = (ms: number): string => new Date(ms).toISOString();

/** The whole UTC day(s) before `now`'s day, and the period of the same length before that. */
export function periodsAt(now: string, kind: PeriodKind): { current: ReportPeriod; previous: ReportPeriod } {
  const to = dayStart(now);
  const length = (kind === "day" ? 1 : 7) * DAY_MS;
  return {
    current: { from: iso(to - length), to: iso(to) },
    previous: { from: iso(to - 2 * length), to: iso(to - length) },
  };
}

/** Unit price in millionths of the currency unit ("0.0400" → 40000), exactly. */
export function micros(price: string): number {
  const [whole = "0", fraction = ""] = price.split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
}

/** Millionths → minor units, half up (BRL: 10_000 micros per centavo). */
export function microsToMinor(value: number, currency: string): number {
  const per = 10 ** (6 - currencyExponent(currency));
  return Math.floor((value + per / 2) / per);
}

export function stepCosts(figures: PeriodFigures, prices: ReportsConfig["prices"]): StepCost[] {
  if (!prices) return [];
  const byStep = new Map<string, { source: string; stepId: string; billable: number; micros: number }>();
  for (const p of figures.pricing) {
    if (!p.billable) continue;
    const key = `${p.source}\u0000${p.stepId}`;
    const entry = byStep.get(key) ?? { source: p.source, stepId: p.stepId, billable: 0, micros: 0 };
    entry.billable += p.messages;
    entry.micros += p.messages * micros(prices.perMessage[p.category] ?? "0");
    byStep.set(key, entry);
  }
  return [...byStep.values()].map((e) => ({
    source: e.source,
    stepId: e.stepId,
    billable: e.billable,
    currency: prices.currency,
    amountMinor: microsToMinor(e.micros, prices.currency),
  }));
}

/** The days receivables are rebuilt at, oldest first, ending on the period's last day. */
function ledgerDates(period: ReportPeriod, kind: PeriodKind): string[] {
  const last = Date.parse(period.to) - DAY_MS;
  const count = kind === "day" ? 14 : 8;
  const step = (kind === "day" ? 1 : 7) * DAY_MS;
  return Array.from({ length: count }, (_, i) => iso(last - (count - 1 - i) * step).slice(0, 10));
}

export async function buildReportData(
  store: DunningStore,
  options: { now: string; kind: PeriodKind; config: ReportsConfig },
): Promise<ReportData> {
  const { current, previous } = periodsAt(options.now, options.kind);
  const { config } = options;
  const [cur, prev, ledger] = await Promise.all([
    store.periodFigures(current),
    store.periodFigures(previous),
    store.ledgerFigures({
      dates: ledgerDates(current, options.kind),
      dsoDays: config.dsoDays,
      curve: {
        from: iso(Date.parse(current.to) - config.curveDays * DAY_MS),
        to: current.to,
        days: config.curveDays,
      },
    }),
  ]);
  return {
    kind: options.kind,
    generatedAt: options.now,
    current: { figures: cur, costs: stepCosts(cur, config.prices) },
    previous: { figures: prev, costs: stepCosts(prev, config.prices) },
    ledger,
    dsoDays: config.dsoDays,
    priceCurrency: config.prices?.currency ?? null,
  };
}
