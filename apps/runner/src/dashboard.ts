import type { StoreReport } from "@regua/core";
import { reportSections } from "./report.js";

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c,
  );

/** A server-rendered page of the report: no script, no build step. */
export function renderDashboard(report: StoreReport, generatedAt: string): string {
  const sections = reportSections(report)
    .map((s) => {
      const head = s.headers.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
      const body =
        s.rows.length === 0
          ? `<tr><td colspan="${s.headers.length}">none</td></tr>`
          : s.rows
              .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(String(c ?? ""))}</td>`).join("")}</tr>`)
              .join("");
      return `<section><h2>${escapeHtml(s.title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>régua</title>
<meta http-equiv="refresh" content="60">
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;margin-bottom:1.5rem}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}th{background:#f3f3f3}</style></head>
<body><h1>régua</h1><p>Report at ${escapeHtml(generatedAt)} · <a href="/admin/report">JSON</a> · <a href="/metrics">metrics</a></p>
${sections}
</body></html>`;
}
