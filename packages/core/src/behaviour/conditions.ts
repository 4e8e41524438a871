import type { PaymentHistory, TraceEntry } from "../actions.js";
import type { PaymentHistoryCondition } from "../policy/schema.js";
import { NO_BEHAVIOUR, type PaymentBehaviour } from "./features.js";

/** The features a `paymentHistory` bound can name. */
export const BEHAVIOUR_FEATURES = [
  "averageDaysLate",
  "p90DaysLate",
  "paidEarlyShare",
  "paidAfterReminderShare",
  "brokenPromises",
  "replies",
] as const;
export type BehaviourFeature = (typeof BEHAVIOUR_FEATURES)[number];

/** Day-based features: undefined (null) without paid invoices, so they need `minInvoices`. */
const NEEDS_INVOICES: ReadonlySet<BehaviourFeature> = new Set([
  "averageDaysLate",
  "p90DaysLate",
  "paidEarlyShare",
  "paidAfterReminderShare",
]);

interface CompiledBound {
  feature: BehaviourFeature;
  min: number | null;
  max: number | null;
}

/** A step's `paymentHistory` condition, turned into a list of comparisons once per policy. */
export interface CompiledPaymentHistory {
  condition: PaymentHistoryCondition;
  bounds: CompiledBound[];
  minInvoices: number;
  withoutHistory: "fire" | "skip";
}

export function compilePaymentHistory(
  condition: PaymentHistoryCondition | undefined,
): CompiledPaymentHistory | null {
  if (condition === undefined) return null;
  const bounds: CompiledBound[] = [];
  for (const feature of BEHAVIOUR_FEATURES) {
    const bound = condition[feature];
    if (bound) bounds.push({ feature, min: bound.min ?? null, max: bound.max ?? null });
  }
  return {
    condition,
    bounds,
    minInvoices: condition.minInvoices ?? 1,
    withoutHistory: condition.withoutHistory ?? "skip",
  };
}

/** "0.25" for shares, "3.5" for days, "2" for counts: what a trace shows of a feature's value. */
export function formatFeature(feature: BehaviourFeature, value: number): string {
  if (feature === "paidEarlyShare" || feature === "paidAfterReminderShare") return value.toFixed(2);
  if (feature === "brokenPromises" || feature === "replies") return String(value);
  return String(Math.round(value * 10) / 10);
}

const plural = (n: number) => (n === 1 ? "paid invoice" : "paid invoices");

/**
 * null when the customer's payment history meets the condition, else why not (naming the
 * feature, its value and the bound). Absent behaviour (a store that does not compute it) reads
 * as no history.
 */
export function failedPaymentHistory(
  compiled: CompiledPaymentHistory,
  payments: PaymentHistory,
): string | null {
  const legacy = failedLegacy(compiled.condition, payments);
  if (legacy) return legacy;
  const behaviour = payments.behaviour ?? NO_BEHAVIOUR;
  const enough = behaviour.invoices >= compiled.minInvoices;
  for (const bound of compiled.bounds) {
    if (NEEDS_INVOICES.has(bound.feature) && !enough) {
      if (compiled.withoutHistory === "fire") continue;
      return `${bound.feature} needs ${compiled.minInvoices} ${plural(compiled.minInvoices)}; the customer has ${behaviour.invoices} (withoutHistory: skip)`;
    }
    const value = behaviour[bound.feature] ?? 0;
    const shown = formatFeature(bound.feature, value);
    if (bound.min !== null && value < bound.min) return `${bound.feature} ${shown} < min ${bound.min}`;
    if (bound.max !== null && value > bound.max) return `${bound.feature} ${shown} > max ${bound.max}`;
  }
  return null;
}

function failedLegacy(history: PaymentHistoryCondition, payments: PaymentHistory): string | null {
  const lateShare = paidLateShare(payments);
  if (history.maxPaidLateShare !== undefined && lateShare > history.maxPaidLateShare) {
    return `paid late share ${lateShare.toFixed(2)} > maxPaidLateShare ${history.maxPaidLateShare}`;
  }
  if (history.minPaidLateShare !== undefined && lateShare < history.minPaidLateShare) {
    return `paid late share ${lateShare.toFixed(2)} < minPaidLateShare ${history.minPaidLateShare}`;
  }
  const average = payments.averageDaysLate;
  if (history.maxAverageDaysLate !== undefined && average > history.maxAverageDaysLate) {
    return `average days late ${average} > maxAverageDaysLate ${history.maxAverageDaysLate}`;
  }
  return null;
}

function paidLateShare(payments: PaymentHistory): number {
  return payments.paidCount === 0 ? 0 : payments.paidLateCount / payments.paidCount;
}

/**
 * The "why this message" line for a step whose payment-history condition held: every feature
 * it names with the customer's value, and what the features are over.
 */
export function paymentHistoryLine(
  stepId: string,
  compiled: CompiledPaymentHistory,
  payments: PaymentHistory,
): TraceEntry {
  const behaviour: PaymentBehaviour = payments.behaviour ?? NO_BEHAVIOUR;
  const parts: string[] = [];
  const c = compiled.condition;
  if (c.minPaidLateShare !== undefined || c.maxPaidLateShare !== undefined) {
    parts.push(
      `paid late share ${paidLateShare(payments).toFixed(2)} (${payments.paidCount} paid in 365 days)`,
    );
  }
  if (c.maxAverageDaysLate !== undefined) {
    parts.push(`average days late ${Math.round(payments.averageDaysLate * 10) / 10} (365 days)`);
  }
  const enough = behaviour.invoices >= compiled.minInvoices;
  for (const bound of compiled.bounds) {
    if (NEEDS_INVOICES.has(bound.feature) && !enough) {
      parts.push(
        `${bound.feature} not judged: ${behaviour.invoices} ${plural(behaviour.invoices)} < minInvoices ${compiled.minInvoices} (withoutHistory: fire)`,
      );
      continue;
    }
    const value = formatFeature(bound.feature, behaviour[bound.feature] ?? 0);
    const range = [bound.min === null ? null : `≥ ${bound.min}`, bound.max === null ? null : `≤ ${bound.max}`]
      .filter((part) => part !== null)
      .join(" and ");
    parts.push(`${bound.feature} ${value} (${range})`);
  }
  if (compiled.bounds.length > 0)
    parts.push(`over the last ${behaviour.invoices} ${plural(behaviour.invoices)}`);
  return { rule: `payment-history:${stepId}`, outcome: "fired", reason: parts.join("; ") };
}
