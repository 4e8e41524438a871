import type { StoreReport, SyncSummary } from "@regua/core";
import { formatMoney } from "@regua/core";
import type { Cell } from "./table.js";
import { renderTable } from "./table.js";

/** The report as titled tables, shared by `regua report` and the dashboard page. */
export interface ReportSection {
  title: string;
  headers: string[];
  rows: Cell[][];
}

export function reportSections(report: StoreReport): ReportSection[] {
  return [
    {
      title: "Aging (open amount by days past due)",
      headers: ["bucket", "currency", "invoices", "open amount"],
      rows: report.aging.map((a) => [
        a.bucket,
        a.currency,
        a.invoices,
        formatMoney({ amountMinor: a.openAmountMinor, currency: a.currency }),
      ]),
    },
    {
      title: "Messages by status (dunning steps and lifecycle messages)",
      headers: ["kind", "status", "actions"],
      rows: report.actionsByStatus
        .filter((s) => s.kind === "message" || s.kind === "lifecycle")
        .map((s) => [s.kind, s.status, s.count]),
    },
    {
      title: "Escalations and pauses (recorded, not sent to the customer)",
      headers: ["kind", "status", "actions"],
      rows: report.actionsByStatus
        .filter((s) => s.kind === "escalate" || s.kind === "pause")
        .map((s) => [s.kind, s.status, s.count]),
    },
    {
      title: "Messages by pricing category (what the channel said each message costs)",
      headers: ["channel", "category", "billable", "messages"],
      rows: report.messagesByPricing.map((p) => [p.channel, p.category, p.billable ? "yes" : "no", p.count]),
    },
    {
      title: "Numbers reported undeliverable (skipped until the number changes or is cleared)",
      headers: ["phone", "channel", "code", "since", "reason"],
      rows: report.flaggedPhones.map((f) => [f.phone, f.channel, f.code, f.at, f.reason]),
    },
    {
      title: "Recovered after contact",
      headers: ["currency", "invoices", "amount"],
      rows: report.recoveredAfterContact.map((r) => [
        r.currency,
        r.invoices,
        formatMoney({ amountMinor: r.amountMinor, currency: r.currency }),
      ]),
    },
    {
      title: "Unknown sends (timeouts after the request left) and how they were settled",
      headers: ["resolution", "actions"],
      rows: report.unknowns.map((u) => [u.resolution, u.count]),
    },
    {
      title: "Write-back (ERP activities)",
      headers: ["status", "activities"],
      rows: report.activitiesByStatus.map((s) => [s.status, s.count]),
    },
    {
      title: "Sync health",
      headers: ["source", "entity", "last finished", "records", "rejects", "last error"],
      rows: report.sync.map((s) => [
        s.source,
        s.entity,
        s.lastFinishedAt ?? "never",
        s.records,
        s.rejects,
        s.lastError ?? "",
      ]),
    },
    {
      title: "Quarantine (records the ERP sent malformed: kept aside, the rest of their page landed)",
      headers: ["source", "entity", "records", "last at"],
      rows: report.quarantine.map((q) => [q.source, q.entity, q.records, q.lastAt]),
    },
  ];
}

export function renderReportText(report: StoreReport): string {
  return reportSections(report)
    .map((s) => `${s.title}\n${s.rows.length > 0 ? renderTable(s.headers, s.rows) : "  (none)"}`)
    .join("\n\n");
}

export function renderSyncSummary(summary: SyncSummary): string {
  const table = renderTable(
    ["source", "entity", "pages", "records", "rejects", "paid now", "error"],
    summary.entities.map((e) => [
      e.source,
      e.entity,
      e.pages,
      e.records,
      e.rejects,
      e.paidNow,
      e.error ?? "",
    ]),
  );
  const line = `${table}\nsynced ${summary.records} record(s), ${summary.rejects} rejected, ${summary.paidNow} invoice(s) newly paid, ${summary.errors} error(s)`;
  if (summary.skipped.length === 0) return line;
  return `${line}\nskipped ${summary.skipped.join(", ")}: another runner is syncing it`;
}
