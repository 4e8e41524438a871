import type { PlannedAction, PlanSkip, TraceEntry } from "@regua/core";
import { renderTable } from "./table.js";

/** "✓ step d+3 (3 days past due) · ✗ quiet-hours (22:00 is outside 08:00-20:00)" */
export function formatTrace(trace: readonly TraceEntry[]): string {
  return trace.map((t) => `${t.outcome === "fired" ? "+" : "-"} ${t.rule}: ${t.reason}`).join("; ");
}

export function renderActions(actions: readonly PlannedAction[], limit = Number.POSITIVE_INFINITY): string {
  const shown = actions.slice(0, limit);
  const table = renderTable(
    ["customer", "invoices", "step", "kind", "channel", "template", "due at", "why"],
    shown.map((a) => [
      `${a.source}/${a.customerRef}`,
      a.invoiceRefs.join(","),
      a.stepId,
      a.kind,
      a.channel ?? "",
      a.template ?? "",
      a.dueAt,
      formatTrace(a.trace),
    ]),
  );
  return actions.length > shown.length
    ? `${table}\n… and ${actions.length - shown.length} more actions`
    : table;
}

export function renderSkips(skips: readonly PlanSkip[], limit = Number.POSITIVE_INFINITY): string {
  const shown = skips.slice(0, limit);
  const table = renderTable(
    ["customer", "invoices", "step", "reason", "why"],
    shown.map((s) => [
      `${s.source}/${s.customerRef}`,
      s.invoiceRefs.join(","),
      s.stepId ?? "",
      s.reason,
      formatTrace(s.trace),
    ]),
  );
  return skips.length > shown.length ? `${table}\n… and ${skips.length - shown.length} more skips` : table;
}

/** Counts by reason: "paid 12, quiet_hours 3". */
export function skipReasons(skips: readonly PlanSkip[]): string {
  const counts = new Map<string, number>();
  for (const s of skips) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${reason} ${n}`).join(", ") || "none";
}
