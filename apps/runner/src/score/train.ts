import {
  type CustomerPaymentFacts,
  evaluateRisk,
  fitRiskModel,
  type RiskEvaluation,
  type RiskModel,
  type RiskStore,
  trainingRows,
} from "@regua/core";
import type { ScoreConfig } from "./config.js";

/**
 * Training and honest evaluation of the payment-risk model over the store's history
 * (docs/payment-behaviour.md). Rows come from core's trainingRows, which only lets each row see
 * what was known at its moment; evaluation trains on an earlier period with the labels known
 * then, and scores a later one the model never saw.
 */

const DAY_MS = 86_400_000;
const dayBefore = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);

export async function collectFacts(risk: RiskStore): Promise<CustomerPaymentFacts[]> {
  const facts: CustomerPaymentFacts[] = [];
  for await (const batch of risk.paymentFacts({ batchSize: 1_000 })) facts.push(...batch);
  return facts;
}

function rowsOf(
  facts: readonly CustomerPaymentFacts[],
  config: ScoreConfig,
  lastInvoices: number,
  period: { dueFrom: string; dueTo: string; asOf: string },
) {
  const options = { horizonDays: config.horizonDays, offsets: config.offsets, lastInvoices, ...period };
  return facts.flatMap((customer) => trainingRows(customer, options));
}

/** Trains on every invoice due in the last `historyDays` whose horizon is over by `today`. */
export function trainModel(
  facts: readonly CustomerPaymentFacts[],
  config: ScoreConfig,
  lastInvoices: number,
  now: Date,
): RiskModel {
  const today = now.toISOString().slice(0, 10);
  const period = { dueFrom: dayBefore(today, config.historyDays), dueTo: today, asOf: today };
  const rows = rowsOf(facts, config, lastInvoices, period);
  return fitRiskModel(rows, {
    ...period,
    horizonDays: config.horizonDays,
    l2: config.l2,
    trainedAt: now.toISOString(),
  });
}

export interface HeldOutEvaluation {
  model: RiskModel;
  evaluation: RiskEvaluation;
  /** Invoices due before it trained the model (with labels known on it); those due on or after it were scored. */
  split: string;
  today: string;
}

export function evaluateHeldOut(
  facts: readonly CustomerPaymentFacts[],
  config: ScoreConfig,
  lastInvoices: number,
  now: Date,
  holdoutDays: number,
): HeldOutEvaluation {
  const today = now.toISOString().slice(0, 10);
  const split = dayBefore(today, holdoutDays);
  const train = { dueFrom: dayBefore(split, config.historyDays), dueTo: split, asOf: split };
  const model = fitRiskModel(rowsOf(facts, config, lastInvoices, train), {
    ...train,
    horizonDays: config.horizonDays,
    l2: config.l2,
    trainedAt: `${split}T00:00:00.000Z`,
  });
  const test = rowsOf(facts, config, lastInvoices, { dueFrom: split, dueTo: today, asOf: today });
  if (test.length === 0)
    throw new Error(`no invoice due from ${split} has its ${config.horizonDays}-day horizon over`);
  return { model, evaluation: evaluateRisk(model, test), split, today };
}
