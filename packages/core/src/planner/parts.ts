import type { TraceEntry } from "../actions.js";
import { isoDateOfDay } from "./calendar.js";
import type { CompiledStep } from "./compile.js";
import type { Draft } from "./due.js";

/**
 * Trace lines and payloads are the same for every invoice with the same step and due date,
 * so one plan() call builds each once and shares it (frozen) between actions: planning a
 * million invoices allocates an action, its key, its trace array and its refs — not a dozen
 * strings each.
 */
export class SharedParts {
  // Per compiled step index; keys are numbers so a lookup allocates nothing.
  private readonly fired: Map<number, TraceEntry>[] = [];
  private readonly payloads: Map<number, Record<string, unknown>>[] = [];
  private readonly superseded: Map<number, TraceEntry[]>[] = [];
  private readonly conditions: (TraceEntry | null | undefined)[] = [];
  private readonly caps = new Map<number, TraceEntry>();
  private readonly tooLate: Map<number, TraceEntry>[] = [];

  /** "D+7: invoice due 2026-11-17 (7 days overdue)"; daysOverdue stands for the due date within one run. */
  firedLine(draft: Draft): TraceEntry {
    const count = draft.invoices.length;
    const key = draft.daysOverdue * 65_536 + Math.min(count, 65_535);
    const cache = mapAt(this.fired, draft.step.index);
    let entry = cache.get(key);
    if (!entry) {
      const days = draft.daysOverdue;
      const when = days > 0 ? `${days} days overdue` : days === 0 ? "today" : `in ${-days} days`;
      const what = count === 1 ? "invoice" : `${count} invoices`;
      const reason = `${draft.step.label}: ${what} due ${draft.dueDate} (${when})`;
      entry = Object.freeze({ rule: `step:${draft.step.id}`, outcome: "fired", reason });
      if (count < 65_535) cache.set(key, entry);
    }
    return entry;
  }

  conditionsLine(step: CompiledStep): TraceEntry | null {
    let entry = this.conditions[step.index];
    if (entry === undefined) {
      entry =
        step.conditionsText === ""
          ? null
          : Object.freeze({
              rule: `conditions:${step.id}`,
              outcome: "fired",
              reason: `met: ${step.conditionsText}`,
            });
      this.conditions[step.index] = entry;
    }
    return entry;
  }

  /** "catch-up: missed, superseded by vencida-d7", one line per step in the mask. */
  supersededLines(fired: CompiledStep, mask: number, steps: readonly CompiledStep[]): readonly TraceEntry[] {
    const cache = mapAt(this.superseded, fired.index);
    let entries = cache.get(mask);
    if (!entries) {
      entries = [];
      for (let i = 0; i < steps.length; i++) {
        if (Math.floor(mask / 2 ** i) % 2 === 1) {
          const reason = `catch-up: missed, superseded by ${fired.id}`;
          entries.push(Object.freeze({ rule: `step:${steps[i]?.id}`, outcome: "skipped", reason }));
        }
      }
      cache.set(mask, entries);
    }
    return entries;
  }

  /**
   * A "too_late" skip's trace line: the same for every invoice whose step was due on the same
   * day (`late` and `maxLate` are fixed within one run): ~600k skips in a 1M-invoice plan.
   */
  tooLateLine(step: CompiledStep, stepDay: number, late: number, maxLate: number): TraceEntry {
    const cache = mapAt(this.tooLate, step.index);
    let entry = cache.get(stepDay);
    if (!entry) {
      const reason = `step ${step.id} was due on ${isoDateOfDay(stepDay)}, ${late} days ago: more than catchUpMaxDays (${maxLate}), so it waits for an operator`;
      entry = Object.freeze({ rule: "catch-up", outcome: "skipped", reason });
      cache.set(stepDay, entry);
    }
    return entry;
  }

  capsLine(day: number, dayCap: number | null, week: number, weekCap: number | null): TraceEntry {
    const key = day * 65_536 + week;
    let entry = this.caps.get(key);
    if (!entry) {
      const reason = `${day} of ${dayCap ?? "∞"} on the send day, ${week} of ${weekCap ?? "∞"} this week`;
      entry = Object.freeze({ rule: "caps", outcome: "fired", reason });
      this.caps.set(key, entry);
    }
    return entry;
  }

  /** What the dispatcher needs besides the action's columns: offset, due date, escalation target. */
  payload(draft: Draft): Record<string, unknown> {
    const cache = mapAt(this.payloads, draft.step.index);
    let payload = cache.get(draft.daysOverdue);
    if (!payload) {
      const { step } = draft.step;
      payload = { offsetDays: step.offsetDays, dueDate: draft.dueDate };
      if (step.template) payload.language = step.template.language;
      if (step.attachDocument) payload.attachDocument = true;
      if (step.escalate) Object.assign(payload, step.escalate);
      if (step.pauseDays !== undefined) payload.pauseDays = step.pauseDays;
      Object.freeze(payload);
      cache.set(draft.daysOverdue, payload);
    }
    return payload;
  }
}

function mapAt<K, V>(maps: Map<K, V>[], index: number): Map<K, V> {
  let map = maps[index];
  if (!map) {
    map = new Map();
    maps[index] = map;
  }
  return map;
}
