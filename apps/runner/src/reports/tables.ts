import { AGING_BUCKETS, formatMoney, type Money, toDecimalString } from "@regua/core";
import type { PeriodSummary, ReportData } from "./figures.js";

/** A table cell: money stays minor units + currency until it is printed (HTML) or exported (CSV). */
export type ReportCell = string | number | null | Money;

export interface ReportTable {
  /** Also the CSV file's name. */
  id: string;
  title: string;
  headers: string[];
  rows: ReportCell[][];
}

const isMoney = (cell: ReportCell): cell is Money => typeof cell === "object" && cell !== null;
const rate = (part: number, whole: number): string =>
  whole > 0 ? `${((part / whole) * 100).toFixed(1)}%` : "";

/** Sums money per currency, never across currencies. */
function byCurrency<T>(rows: readonly T[], pick: (row: T) => Money | null): Map<string, number> {
  const sums = new Map<string, number>();
  for (const row of rows) {
    const m = pick(row);
    if (m) sums.set(m.currency, (sums.get(m.currency) ?? 0) + m.amountMinor);
  }
  return sums;
}

function totals(summary: PeriodSummary) {
  const { messages, recovered } = summary.figures;
  const sum = (f: (m: (typeof messages)[number]) => number) => messages.reduce((n, m) => n + f(m), 0);
  return {
    sent: sum((m) => m.sent),
    replied: sum((m) => m.replied),
    optedOut: sum((m) => m.optedOut),
    recovered: byCurrency(recovered, (r) => ({ amountMinor: r.amountMinor, currency: r.currency })),
    cost: byCurrency(summary.costs, (c) => ({ amountMinor: c.amountMinor, currency: c.currency })),
  };
}

const change = (now: number, before: number): string =>
  before === 0
    ? now === 0
      ? "0%"
      : "new"
    : `${now >= before ? "+" : ""}${(((now - before) / before) * 100).toFixed(1)}%`;

function summaryTable(data: ReportData): ReportTable {
  const now = totals(data.current);
  const before = totals(data.previous);
  const rows: ReportCell[][] = [
    ["messages sent", "", now.sent, before.sent, change(now.sent, before.sent)],
    ["reply rate", "", rate(now.replied, now.sent), rate(before.replied, before.sent), ""],
    ["opt-out rate", "", rate(now.optedOut, now.sent), rate(before.optedOut, before.sent), ""],
  ];
  const currencies = [
    ...new Set([...now.recovered.keys(), ...before.recovered.keys(), ...now.cost.keys()]),
  ].sort();
  for (const currency of currencies) {
    const [a, b] = [now.recovered.get(currency) ?? 0, before.recovered.get(currency) ?? 0];
    rows.push(["recovered after contact", currency, m(a, currency), m(b, currency), change(a, b)]);
    if (data.priceCurrency !== currency) continue;
    const [ca, cb] = [now.cost.get(currency) ?? 0, before.cost.get(currency) ?? 0];
    rows.push(["message cost", currency, m(ca, currency), m(cb, currency), change(ca, cb)]);
    rows.push(["cost per 100 recovered", currency, per100(ca, a, currency), per100(cb, b, currency), ""]);
  }
  const end = data.ledger.receivables.filter((r) => r.date === lastDate(data));
  const start = data.ledger.receivables.filter((r) => r.date === previousEndDate(data));
  for (const r of end) {
    const p = start.find((s) => s.currency === r.currency);
    const o = p?.openAmountMinor ?? 0;
    rows.push([
      "open receivables",
      r.currency,
      m(r.openAmountMinor, r.currency),
      m(o, r.currency),
      change(r.openAmountMinor, o),
    ]);
    rows.push([`DSO (${data.dsoDays} days)`, r.currency, r.dso, p?.dso ?? null, ""]);
  }
  return {
    id: "summary",
    title: "This period and the one before",
    headers: ["figure", "currency", "this period", "previous period", "change"],
    rows,
  };
}

const m = (amountMinor: number, currency: string): Money => ({ amountMinor, currency });
function per100(cost: number, recovered: number, currency: string): ReportCell {
  return recovered > 0 ? m(Math.round((cost * 100) / recovered), currency) : null;
}
/** The period's last day: receivables "at the end of the period" are as of that day's end. */
export const lastDate = (data: ReportData): string => dayBefore(data.current.figures.period.to);
const previousEndDate = (data: ReportData): string => dayBefore(data.previous.figures.period.to);
function dayBefore(instant: string): string {
  return new Date(Date.parse(instant) - 86_400_000).toISOString().slice(0, 10);
}

function agingTable(data: ReportData): ReportTable {
  const rows = data.ledger.receivables
    .filter((r) => r.date === lastDate(data))
    .flatMap((r) =>
      r.buckets.map((b) => [b.bucket, r.currency, b.invoices, m(b.openAmountMinor, r.currency)]),
    );
  return {
    id: "aging",
    title: "Aging at the end of the period (days past due)",
    headers: ["bucket", "currency", "invoices", "open amount"],
    rows,
  };
}

function stepsTable(data: ReportData): ReportTable {
  const rows = data.current.figures.messages.map((msg): ReportCell[] => {
    const cost = data.current.costs.find((c) => c.source === msg.source && c.stepId === msg.stepId);
    return [
      msg.source,
      msg.stepId,
      msg.channel,
      msg.sent,
      msg.replied,
      rate(msg.replied, msg.sent),
      msg.optedOut,
      rate(msg.optedOut, msg.sent),
      cost ? cost.billable : null,
      cost ? m(cost.amountMinor, cost.currency) : null,
    ];
  });
  const headers = [
    "source",
    "step",
    "channel",
    "sent",
    "replied",
    "reply rate",
    "opted out",
    "opt-out rate",
    "billable",
    "cost",
  ];
  return { id: "steps", title: "Messages by source and policy step", headers, rows };
}

function recoveredTable(data: ReportData): ReportTable {
  const row = (period: string, summary: PeriodSummary) =>
    summary.figures.recovered.map((r): ReportCell[] => [
      period,
      r.source,
      r.stepId,
      r.currency,
      r.invoices,
      m(r.amountMinor, r.currency),
    ]);
  return {
    id: "recovered",
    title: "Recovered after contact, by the last step before the payment",
    headers: ["period", "source", "step", "currency", "invoices", "amount"],
    rows: [...row("this", data.current), ...row("previous", data.previous)],
  };
}

function curveTable(data: ReportData): ReportTable {
  const days = [1, 3, 7, 14].filter((d) => d < (data.ledger.curves[0]?.paidByDay.length ?? 0));
  const rows = data.ledger.curves.map((c): ReportCell[] => [
    c.stepId,
    c.currency,
    c.invoices,
    m(c.contactedMinor, c.currency),
    ...days.map((d) => rate(c.paidByDay[d] ?? 0, c.contactedMinor)),
  ]);
  return {
    id: "recovery-curve",
    title: "Share paid within N days of each step's message",
    headers: ["step", "currency", "invoices", "asked", ...days.map((d) => `${d} d`)],
    rows,
  };
}

function historyTable(data: ReportData): ReportTable {
  const rows = data.ledger.receivables.flatMap((r) =>
    AGING_BUCKETS.map((bucket, i) => [
      r.date,
      r.currency,
      bucket,
      r.buckets[i]?.invoices ?? 0,
      m(r.buckets[i]?.openAmountMinor ?? 0, r.currency),
    ]),
  );
  return {
    id: "aging-history",
    title: "Aging over time",
    headers: ["date", "currency", "bucket", "invoices", "open amount"],
    rows,
  };
}

export function reportTables(data: ReportData): ReportTable[] {
  return [
    summaryTable(data),
    agingTable(data),
    stepsTable(data),
    recoveredTable(data),
    curveTable(data),
    historyTable(data),
  ];
}

/** For the HTML body and the page: money in the currency's own format. */
export function displayCell(cell: ReportCell): string {
  if (cell === null) return "";
  return isMoney(cell) ? formatMoney(cell) : String(cell);
}

/** RFC 4180 CSV; money as a plain decimal (its currency is a column or the row's figure). */
export function toCsv(table: ReportTable): string {
  const field = (cell: ReportCell): string => {
    const text = cell === null ? "" : isMoney(cell) ? toDecimalString(cell) : String(cell);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return `${[table.headers, ...table.rows].map((r) => r.map(field).join(",")).join("\r\n")}\r\n`;
}
