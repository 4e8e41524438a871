import { paidProbability, type RiskModel } from "./model.js";

/** One decile of predictions: how many, what the model said on average, what happened. */
export interface ReliabilityBin {
  /** 1..10, lowest predicted probability first. */
  decile: number;
  rows: number;
  meanPredicted: number;
  observedRate: number;
}

export interface RiskEvaluation {
  rows: number;
  positives: number;
  /** Area under the ROC curve (ties count half): 0.5 is a coin, 1 is perfect. */
  auc: number;
  /** Mean squared error of the predicted probability. */
  brier: number;
  /** The Brier score of always predicting the training base rate. */
  baselineBrier: number;
  logLoss: number;
  /** Reliability table: predictions sorted and cut into ten equal-count bins. */
  reliability: ReliabilityBin[];
  /** Largest |meanPredicted − observedRate| over the bins: the calibration error to look at. */
  maxCalibrationGap: number;
}

/** Scores held-out rows with `model` and measures discrimination and calibration. */
export function evaluateRisk(
  model: RiskModel,
  rows: readonly { x: readonly number[]; y: 0 | 1 }[],
): RiskEvaluation {
  const scored = rows.map((row) => ({ p: paidProbability(model, row.x), y: row.y }));
  return evaluatePredictions(scored, model.baseRate);
}

export function evaluatePredictions(
  scored: readonly { p: number; y: 0 | 1 }[],
  baseRate: number,
): RiskEvaluation {
  const n = scored.length;
  const positives = scored.reduce((sum, row) => sum + row.y, 0);
  let brier = 0;
  let baselineBrier = 0;
  let logLoss = 0;
  for (const { p, y } of scored) {
    brier += (p - y) ** 2;
    baselineBrier += (baseRate - y) ** 2;
    const clipped = Math.min(1 - 1e-12, Math.max(1e-12, p));
    logLoss -= y * Math.log(clipped) + (1 - y) * Math.log(1 - clipped);
  }
  const sorted = [...scored].sort((a, b) => a.p - b.p);
  const reliability: ReliabilityBin[] = [];
  for (let decile = 1; decile <= 10; decile++) {
    const bin = sorted.slice(Math.floor(((decile - 1) * n) / 10), Math.floor((decile * n) / 10));
    if (bin.length === 0) continue;
    const meanPredicted = bin.reduce((sum, row) => sum + row.p, 0) / bin.length;
    const observedRate = bin.reduce((sum, row) => sum + row.y, 0) / bin.length;
    reliability.push({ decile, rows: bin.length, meanPredicted, observedRate });
  }
  return {
    rows: n,
    positives,
    auc: auc(sorted),
    brier: n === 0 ? 0 : brier / n,
    baselineBrier: n === 0 ? 0 : baselineBrier / n,
    logLoss: n === 0 ? 0 : logLoss / n,
    reliability,
    maxCalibrationGap: Math.max(
      0,
      ...reliability.map((bin) => Math.abs(bin.meanPredicted - bin.observedRate)),
    ),
  };
}

/** Mann–Whitney: the share of (paid, unpaid) pairs the model ranks right, ties counting half. */
function auc(sortedByP: readonly { p: number; y: 0 | 1 }[]): number {
  let positives = 0;
  let negatives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < sortedByP.length) {
    let j = i;
    while (j < sortedByP.length && (sortedByP[j] as { p: number }).p === (sortedByP[i] as { p: number }).p)
      j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) {
      if ((sortedByP[k] as { y: 0 | 1 }).y === 1) {
        positives++;
        rankSum += averageRank;
      } else negatives++;
    }
    i = j;
  }
  if (positives === 0 || negatives === 0) return 0.5;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
