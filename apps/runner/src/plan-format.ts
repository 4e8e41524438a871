import type { PlannedAction, PlanSkip, TraceEntry } from "@regua/core";
import { type Cell, renderTable } from "./table.js";

/** One line per rule, indented under its row: "    fired    step:vencida-d3: D+3: …". */
function traceLines(trace: readonly TraceEntry[]): string[] {
  return trace.map((t) => `      ${t.outcome.padEnd(7)}  ${t.rule}: ${t.reason}`);
}

/** A table whose every row is followed by its trace (the "why"). */
function tableWithTraces(headers: string[], rows: { cells: Cell[]; trace: readonly TraceEntry[] }[]): string {
  const [head = "", rule = "", ...body] = renderTable(
    headers,
    rows.map((r) => r.cells),
  ).split("\n");
  return [head, rule, ...body.flatMap((line, i) => [line, ...traceLines(rows[i]?.trace ?? [])])].join("\n");
}

export function renderActions(actions: readonly PlannedAction[], limit = Number.POSITIVE_INFINITY): string {
  const shown = actions.slice(0, limit);
  const table = tableWithTraces(
    ["customer", "invoices", "step", "kind", "channel", "template", "due at"],
    shown.map((a) => ({
      cells: [
        `${a.source}/${a.customerRef}`,
        a.invoiceRefs.join(","),
        a.stepId,
        a.kind,
        a.channel ?? "",
        a.template ?? "",
        a.dueAt.replace(/:\d\d\.\d+Z$/, "Z"),
      ],
      trace: a.trace,
    })),
  );
  return actions.length > shown.length
    ? `${table}\n… and ${actions.length - shown.length} more actions`
    : table;
}

export function renderSkips(skips: readonly PlanSkip[], limit = Number.POSITIVE_INFINITY): string {
  const shown = skips.slice(0, limit);
  const table = tableWithTraces(
    ["customer", "invoices", "step", "skipped because"],
    shown.map((s) => ({
      cells: [`${s.source}/${s.customerRef}`, s.invoiceRefs.join(","), s.stepId ?? "", s.reason],
      trace: s.trace,
    })),
  );
  return skips.length > shown.length ? `${table}\n… and ${skips.length - shown.length} more skips` : table;
}

/** Counts by reason: "paid 12, quiet_hours 3". */
export function skipReasons(skips: readonly PlanSkip[]): string {
  const counts = new Map<string, number>();
  for (const s of skips) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
  return [...counts].map(([reason, n]) => `${reason} ${n}`).join(", ") || "none";
}
