// The payment-risk score: a transparent logistic regression (ridge, Newton/IRLS over ml-matrix)
// trained in process on the store's own history, its evaluation, and the features it reads.
// docs/payment-behaviour.md
export {
  type BacktestCustomer,
  type BacktestOptions,
  type BacktestResult,
  backtest,
} from "./backtest.js";
export { evaluatePredictions, evaluateRisk, type ReliabilityBin, type RiskEvaluation } from "./evaluate.js";
export {
  type CustomerPaymentFacts,
  type InvoiceFact,
  plannedRiskInput,
  RISK_COLUMNS,
  type RiskColumn,
  type RiskInput,
  remindersSentFor,
  riskColumns,
  riskColumnValue,
  type TrainingRow,
  type TrainingRowOptions,
  trainingRows,
} from "./features.js";
export {
  type FitOptions,
  fitRiskModel,
  paidProbability,
  type RiskContribution,
  type RiskModel,
  RiskModelSchema,
  type RiskScore,
  scoreRisk,
} from "./model.js";
