import { type BacktestResult, type RiskEvaluation, type RiskModel, toDecimalString } from "@regua/core";
import { renderTable } from "../table.js";

/** The model as a reader checks it: one line per column, its coefficient and what it means. */
export function renderModel(model: RiskModel): string {
  const rows = model.columns.map((column, j) => {
    const coefficient = model.coefficients[j] as number;
    const effect =
      Math.abs(coefficient) < 0.005 ? "no effect" : coefficient > 0 ? "pays sooner" : "pays later";
    return [column, coefficient.toFixed(3), `per ${(model.scales[j] as number).toPrecision(3)}`, effect];
  });
  rows.unshift([
    "(intercept)",
    model.intercept.toFixed(3),
    "",
    `base rate ${(model.baseRate * 100).toFixed(1)} %`,
  ]);
  return renderTable(["column", "log-odds of paid within horizon", "unit (1 sd)", "higher value →"], rows);
}

export function renderEvaluation(evaluation: RiskEvaluation): string {
  const lines = [
    `rows ${evaluation.rows} (${evaluation.positives} paid within the horizon)`,
    `AUC ${evaluation.auc.toFixed(3)}`,
    `Brier ${evaluation.brier.toFixed(3)} (always predicting the training base rate: ${evaluation.baselineBrier.toFixed(3)})`,
    `log loss ${evaluation.logLoss.toFixed(3)}`,
    `largest calibration gap ${evaluation.maxCalibrationGap.toFixed(3)}`,
    "",
    "reliability by decile of predicted probability of being paid:",
    renderTable(
      ["decile", "rows", "predicted", "observed", "gap"],
      evaluation.reliability.map((bin) => [
        bin.decile,
        bin.rows,
        bin.meanPredicted.toFixed(3),
        bin.observedRate.toFixed(3),
        (bin.observedRate - bin.meanPredicted).toFixed(3),
      ]),
    ),
  ];
  return lines.join("\n");
}

/** Side by side: the policy with the score and without it. */
export function renderBacktest(
  runs: { name: string; result: BacktestResult }[],
  messageCostMinor: number,
  currency: string,
): string {
  const money = (minor: number) => toDecimalString({ amountMinor: Math.round(minor), currency });
  const row = (label: string, value: (r: BacktestResult) => string) => [
    label,
    ...runs.map((run) => value(run.result)),
  ];
  return renderTable(
    ["", ...runs.map((run) => run.name)],
    [
      row("messages sent", (r) => String(r.messages)),
      row(`cost (${currency})`, (r) => money(r.messages * messageCostMinor)),
      row("escalations", (r) => String(r.escalations)),
      row("invoices contacted", (r) => String(r.contactedInvoices)),
      row(`recovered after contact (${currency})`, (r) => money(r.recoveredMinor)),
      row("invoices recovered after contact", (r) => String(r.recoveredInvoices)),
      row(`paid with no message (${currency})`, (r) => money(r.paidWithoutContactMinor)),
      row(`cost per ${currency} 1,000 recovered`, (r) =>
        r.recoveredMinor === 0 ? "-" : money((r.messages * messageCostMinor * 100_000) / r.recoveredMinor),
      ),
    ],
  );
}
