import { CholeskyDecomposition, Matrix } from "ml-matrix";
import { z } from "zod";
import { RISK_COLUMNS, type RiskColumn, type RiskInput, riskColumns, riskColumnValue } from "./features.js";

/**
 * The payment-risk model: a logistic regression with a ridge (L2) penalty, fitted in process by
 * Newton's method (iteratively reweighted least squares) over ml-matrix matrices. Transparent by
 * construction: a score is an intercept plus one term per column, and each term is shown in the
 * trace as that column's contribution. docs/payment-behaviour.md
 */
export const RiskModelSchema = z
  .object({
    version: z.literal(1),
    /** Probability of being paid within this many days of the due date. */
    horizonDays: z.number().int().positive(),
    // The coefficients line up with riskColumns(): a model trained with other columns (another
    // version of @regua/core) would score wrongly, so it is refused and must be retrained.
    columns: z.array(z.enum(RISK_COLUMNS)).refine((columns) => columns.join() === RISK_COLUMNS.join(), {
      message: `trained with other columns than this version's (${RISK_COLUMNS.join(", ")}); run regua score`,
    }),
    /** Standardisation: a column enters as (value − mean) / scale. */
    means: z.array(z.number()),
    scales: z.array(z.number().positive()),
    /** Log-odds of being paid within the horizon. */
    intercept: z.number(),
    coefficients: z.array(z.number()),
    l2: z.number().nonnegative(),
    trainedAt: z.string(),
    /** Invoices due in [dueFrom, dueTo) were the training set. */
    dueFrom: z.string(),
    dueTo: z.string(),
    rows: z.number().int().nonnegative(),
    /** Share of training rows paid within the horizon. */
    baseRate: z.number().min(0).max(1),
    iterations: z.number().int().nonnegative(),
  })
  .refine(
    (model) =>
      model.coefficients.length === model.columns.length &&
      model.means.length === model.columns.length &&
      model.scales.length === model.columns.length,
    "coefficients, means and scales need one value per column",
  );
export type RiskModel = z.infer<typeof RiskModelSchema>;

export interface FitOptions {
  horizonDays: number;
  /** Ridge penalty on the standardised coefficients (not on the intercept). */
  l2: number;
  trainedAt: string;
  dueFrom: string;
  dueTo: string;
  maxIterations?: number;
  /** Stop when no coefficient moves by more than this. */
  tolerance?: number;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitRiskModel(
  rows: readonly { x: readonly number[]; y: 0 | 1 }[],
  options: FitOptions,
): RiskModel {
  if (rows.length === 0)
    throw new Error("no training rows: the store has no invoice whose horizon has passed");
  const p = RISK_COLUMNS.length;
  const { means, scales } = standardisation(rows, p);
  // Design matrix with a leading column of ones for the intercept.
  const design = new Matrix(rows.length, p + 1);
  const labels = new Array<number>(rows.length);
  rows.forEach((row, i) => {
    design.set(i, 0, 1);
    for (let j = 0; j < p; j++)
      design.set(i, j + 1, ((row.x[j] as number) - (means[j] as number)) / (scales[j] as number));
    labels[i] = row.y;
  });
  const transposed = design.transpose();
  const penalty = Matrix.eye(p + 1, p + 1).mul(options.l2);
  penalty.set(0, 0, 0);
  let beta = Matrix.zeros(p + 1, 1);
  const positives = labels.reduce((sum, y) => sum + y, 0);
  const baseRate = positives / rows.length;
  beta.set(0, 0, Math.log((positives + 0.5) / (rows.length - positives + 0.5)));
  const maxIterations = options.maxIterations ?? 50;
  const tolerance = options.tolerance ?? 1e-8;
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    const linear = design.mmul(beta);
    const weighted = design.clone();
    const residual = new Matrix(rows.length, 1);
    for (let i = 0; i < rows.length; i++) {
      const probability = sigmoid(linear.get(i, 0));
      // A floor on the weight keeps the Hessian positive definite when the data separate.
      weighted.mulRow(i, Math.max(probability * (1 - probability), 1e-10));
      residual.set(i, 0, (labels[i] as number) - probability);
    }
    // Newton step on the penalised log-likelihood: (XᵀWX + λI) Δ = Xᵀ(y − p) − λβ.
    const product = transposed.mmul(weighted);
    // Symmetric in exact arithmetic; averaged with its transpose so rounding does not make Cholesky refuse it.
    const hessian = product.add(product.transpose()).div(2).add(penalty);
    const gradient = transposed.mmul(residual).sub(penalty.mmul(beta));
    const step = new CholeskyDecomposition(hessian).solve(gradient);
    beta = beta.add(step);
    if (Math.max(...step.to1DArray().map(Math.abs)) < tolerance) break;
  }
  const coefficients = beta.to1DArray();
  return {
    version: 1,
    horizonDays: options.horizonDays,
    columns: [...RISK_COLUMNS],
    means,
    scales,
    intercept: coefficients[0] as number,
    coefficients: coefficients.slice(1),
    l2: options.l2,
    trainedAt: options.trainedAt,
    dueFrom: options.dueFrom,
    dueTo: options.dueTo,
    rows: rows.length,
    baseRate,
    iterations,
  };
}

/** Mean and standard deviation per column; a constant column gets scale 1 (its term stays 0). */
function standardisation(rows: readonly { x: readonly number[] }[], p: number) {
  const means = new Array<number>(p).fill(0);
  const squares = new Array<number>(p).fill(0);
  for (const row of rows) for (let j = 0; j < p; j++) means[j] = (means[j] as number) + (row.x[j] as number);
  for (let j = 0; j < p; j++) means[j] = (means[j] as number) / rows.length;
  for (const row of rows) {
    for (let j = 0; j < p; j++)
      squares[j] = (squares[j] as number) + ((row.x[j] as number) - (means[j] as number)) ** 2;
  }
  const scales = squares.map((sum) => {
    const sd = Math.sqrt(sum / rows.length);
    return sd > 1e-9 ? sd : 1;
  });
  return { means, scales };
}

export interface RiskContribution {
  column: RiskColumn;
  /** The feature's value as the user knows it ("21.5", "0.25", "1234.56"). */
  value: string;
  /** Its term in the log-odds of NOT being paid within the horizon (positive: riskier). */
  contribution: number;
}

export interface RiskScore {
  /** Probability of being paid within the model's horizon. */
  paidProbability: number;
  /** 1 − paidProbability: what `riskScore` conditions compare. */
  risk: number;
  /** Every column's term, largest effect first. */
  contributions: RiskContribution[];
}

export function paidProbability(model: RiskModel, x: readonly number[]): number {
  let z = model.intercept;
  for (let j = 0; j < model.coefficients.length; j++) {
    z +=
      (model.coefficients[j] as number) *
      (((x[j] as number) - (model.means[j] as number)) / (model.scales[j] as number));
  }
  return sigmoid(z);
}

export function scoreRisk(model: RiskModel, input: RiskInput): RiskScore {
  const x = riskColumns(input);
  const probability = paidProbability(model, x);
  const contributions = model.columns.map((column, j) => ({
    column,
    value: riskColumnValue(column, input),
    contribution:
      -(model.coefficients[j] as number) *
      (((x[j] as number) - (model.means[j] as number)) / (model.scales[j] as number)),
  }));
  contributions.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
  return { paidProbability: probability, risk: 1 - probability, contributions };
}
