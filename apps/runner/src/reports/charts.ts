import type { ChartSpec } from "@regua/charts";
import { AGING_BUCKETS, currencyExponent } from "@regua/core";
import type { ReportData } from "./figures.js";

/** The currency with the most money in the figures: a chart never mixes two. */
function mainCurrency(data: ReportData): string | null {
  const sums = new Map<string, number>();
  for (const r of data.ledger.receivables)
    sums.set(r.currency, (sums.get(r.currency) ?? 0) + r.openAmountMinor);
  for (const c of data.ledger.curves) sums.set(c.currency, (sums.get(c.currency) ?? 0) + c.contactedMinor);
  return [...sums].sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
}

const major = (minor: number, currency: string): number => minor / 10 ** currencyExponent(currency);
const pct = (x: number): string => `${Math.round(x * 100)}%`;

function recoveryChart(data: ReportData, currency: string): ChartSpec {
  const curves = data.ledger.curves.filter((c) => c.currency === currency);
  const days = curves[0]?.paidByDay.length ?? 1;
  const series = curves.map((c) => ({
    name: c.stepId,
    values: c.paidByDay.map((paid) => (c.contactedMinor > 0 ? paid / c.contactedMinor : null)),
  }));
  const best = [...curves].sort(
    (a, b) => (b.paidByDay.at(-1) ?? 0) / b.contactedMinor - (a.paidByDay.at(-1) ?? 0) / a.contactedMinor,
  )[0];
  return {
    id: "chart-recovery",
    title: `Recovered after each step (${currency})`,
    description: best
      ? `Share of the amount each step asked for that was paid within ${days - 1} days. Highest: ${best.stepId}, ${pct((best.paidByDay.at(-1) ?? 0) / best.contactedMinor)}.`
      : "No dunning message reached a customer in the window.",
    kind: "line",
    categories: Array.from({ length: days }, (_, d) => String(d)),
    xLabel: "days after the message",
    yLabel: "share paid",
    yFormat: "percent",
    series,
  };
}

function agingChart(data: ReportData, currency: string): ChartSpec {
  const rows = data.ledger.receivables.filter((r) => r.currency === currency);
  const last = rows.at(-1);
  const late = last
    ? last.buckets.filter((b) => b.bucket !== "current").reduce((n, b) => n + b.openAmountMinor, 0)
    : 0;
  return {
    id: "chart-aging",
    title: `Open receivables by days past due (${currency})`,
    description: last
      ? `Open amount at the end of each day, stacked by days past due. On ${last.date}: ${major(last.openAmountMinor, currency).toFixed(2)} ${currency} open, ${last.openAmountMinor > 0 ? pct(late / last.openAmountMinor) : "0%"} of it past due.`
      : "No open receivables.",
    kind: "stacked-bar",
    categories: rows.map((r) => r.date.slice(5)),
    xLabel: "day",
    yLabel: currency,
    yFormat: "number",
    series: AGING_BUCKETS.map((bucket, i) => ({
      name: bucket === "current" ? "not yet due" : `${bucket} days`,
      values: rows.map((r) => major(r.buckets[i]?.openAmountMinor ?? 0, currency)),
    })),
  };
}

function costChart(data: ReportData, currency: string): ChartSpec {
  const steps = [
    ...new Set(
      [...data.current.figures.messages, ...data.previous.figures.messages]
        .filter((m) => m.kind === "message")
        .map((m) => m.stepId),
    ),
  ].sort();
  const perStep = (summary: ReportData["current"]) =>
    steps.map((step) => {
      const cost = summary.costs
        .filter((c) => c.stepId === step && c.currency === currency)
        .reduce((n, c) => n + c.amountMinor, 0);
      const got = summary.figures.recovered
        .filter((r) => r.stepId === step && r.currency === currency)
        .reduce((n, r) => n + r.amountMinor, 0);
      return got > 0 ? Math.round((cost / got) * 100 * 100) / 100 : null;
    });
  return {
    id: "chart-cost",
    title: `Message cost per ${currency} 100 recovered, by step`,
    description: `What the messages of each step cost for every 100 ${currency} paid after them, this period beside the previous one; no bar: nothing recovered.`,
    kind: "bar",
    categories: steps,
    xLabel: "policy step",
    yLabel: currency,
    yFormat: "number",
    series: [
      { name: "this period", values: perStep(data.current) },
      { name: "previous period", values: perStep(data.previous) },
    ],
  };
}

/** The three pictures, for the page (SVG) and the e-mail (PNG); empty when there is no money to show. */
export function reportCharts(data: ReportData): ChartSpec[] {
  const currency = mainCurrency(data);
  if (!currency) return [];
  const charts = [recoveryChart(data, currency), agingChart(data, currency)];
  if (data.priceCurrency === currency) charts.push(costChart(data, currency));
  return charts;
}
