import type { ChartSpec } from "@regua/charts";
import type { ReportData } from "./figures.js";
import { displayCell, type ReportTable, reportTables } from "./tables.js";

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

const CELL = "border:1px solid #ccc;padding:4px 8px;text-align:left";

/** Inline styles: mail clients drop <style> blocks more often than not. */
function tableHtml(table: ReportTable, inline: boolean): string {
  const td = inline ? ` style="${CELL}"` : "";
  const th = inline ? ` style="${CELL};background:#f3f3f3"` : ` scope="col"`;
  const head = table.headers.map((h) => `<th${th}>${escapeHtml(h)}</th>`).join("");
  const body =
    table.rows.length === 0
      ? `<tr><td${td} colspan="${table.headers.length}">none</td></tr>`
      : table.rows
          .map((r) => `<tr>${r.map((c) => `<td${td}>${escapeHtml(displayCell(c))}</td>`).join("")}</tr>`)
          .join("");
  const style = inline ? ' style="border-collapse:collapse;margin-bottom:16px"' : "";
  return `<h2>${escapeHtml(table.title)}</h2><table id="table-${table.id}"${style}><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

export function periodLine(data: ReportData): string {
  const { from, to } = data.current.figures.period;
  const last = new Date(Date.parse(to) - 86_400_000).toISOString().slice(0, 10);
  return data.kind === "day"
    ? `Day ${from.slice(0, 10)} (UTC)`
    : `Week ${from.slice(0, 10)} to ${last} (UTC)`;
}

/** The e-mail body: charts as inline PNG attachments (cid:), then the tables. */
export function reportEmailHtml(data: ReportData, charts: readonly ChartSpec[]): string {
  const images = charts
    .map(
      (c) =>
        `<p><img src="cid:${c.id}@regua" width="640" alt="${escapeHtml(`${c.title}. ${c.description}`)}"></p>`,
    )
    .join("\n");
  const tables = reportTables(data)
    .map((t) => tableHtml(t, true))
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>régua report</title></head>
<body style="font-family:Arial,sans-serif;color:#222"><h1>régua report</h1><p>${escapeHtml(periodLine(data))}, compared with the ${data.kind} before. Generated ${escapeHtml(data.generatedAt)}.</p>
${images}
${tables}
<p style="color:#666">The tables are attached as CSV files.</p></body></html>`;
}

/** The runner's /reports page: the same charts as inline SVG, each a focusable, captioned figure. */
export function reportPageHtml(
  data: ReportData,
  charts: readonly { spec: ChartSpec; svg: string }[],
  links: string,
): string {
  const figures = charts
    .map(
      ({ spec, svg }) =>
        `<figure tabindex="0" aria-labelledby="${spec.id}-caption">${svg}<figcaption id="${spec.id}-caption">${escapeHtml(spec.description)}</figcaption></figure>`,
    )
    .join("\n");
  const tables = reportTables(data)
    .map((t) => `<section>${tableHtml(t, false)}</section>`)
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>régua · reports</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}
.charts{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;border:1px solid #ddd;padding:.5rem;max-width:660px}
figure:focus{outline:3px solid #0072B2}figure svg{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#444}
nav a{margin-right:1rem}</style></head>
<body><header><h1>régua · reports</h1><nav aria-label="report period">${links}</nav></header>
<main><p>${escapeHtml(periodLine(data))}, compared with the ${data.kind} before. Generated ${escapeHtml(data.generatedAt)}.</p>
<div class="charts">${figures}</div>
${tables}</main></body></html>`;
}
