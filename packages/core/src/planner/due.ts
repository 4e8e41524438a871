import type { ActionHistoryEntry, CustomerSnapshot, SnapshotInvoice, TraceEntry } from "../actions.js";
import type { RiskModel } from "../risk/model.js";
import { epochDay, localTime, type SendCalendar } from "./calendar.js";
import {
  type CompiledPolicy,
  type CompiledStep,
  type ConditionInput,
  customerConditionLines,
  failedCondition,
} from "./compile.js";
import type { SharedParts } from "./parts.js";
import type { PlanSkip } from "./types.js";

/** A step due for one invoice (or, after merging, for several with the same due date). */
export interface Draft {
  step: CompiledStep;
  invoices: SnapshotInvoice[];
  dueDate: string;
  daysOverdue: number;
  /** Earlier missed steps that catch-up replaced with this one: bit i = compiled step i (0 = none). */
  superseded: number;
  /** Steps of the same invoice whose conditions failed today (also reported as skips). */
  failed: TraceEntry[] | null;
  /** Customer-dependent conditions that held, with their values (payment history); null: none. */
  explained: TraceEntry[] | null;
}

/** What the customer's past actions say: steps done per invoice, replies, cap counts. */
export interface HistoryIndex {
  /**
   * Per invoice: when each policy step (by compiled index) was last due, as epoch ms, or
   * -Infinity. An entry counts for the invoice's current due date only if it is not older
   * than that step's day: when the ERP moves a due date (an extension, a renegotiation) the
   * régua starts over for the new date.
   */
  byInvoice: Map<string, number[]>;
  repliedSteps: Set<string> | null;
  sentOnSlotDay: number;
  sentInSlotWeek: number;
}

const NOT_COUNTED: ReadonlySet<string> = new Set(["failed", "skipped"]);

export function indexHistory(
  compiled: CompiledPolicy,
  history: readonly ActionHistoryEntry[],
  ranges: { day: [number, number]; week: [number, number] } | null,
): HistoryIndex {
  const index: HistoryIndex = {
    byInvoice: new Map(),
    repliedSteps: null,
    sentOnSlotDay: 0,
    sentInSlotWeek: 0,
  };
  for (const entry of history) {
    const step = compiled.byId.get(entry.stepId);
    // Steps no longer in the policy (and lifecycle messages) cannot be planned again anyway.
    if (step) {
      const dueAtMs = Date.parse(entry.dueAt);
      for (const ref of entry.invoiceRefs) {
        let taken = index.byInvoice.get(ref);
        if (!taken) {
          taken = new Array<number>(compiled.steps.length).fill(Number.NEGATIVE_INFINITY);
          index.byInvoice.set(ref, taken);
        }
        if (dueAtMs > (taken[step.index] as number)) taken[step.index] = dueAtMs;
      }
    }
    if (entry.repliedAt !== null) {
      index.repliedSteps ??= new Set();
      index.repliedSteps.add(entry.stepId);
    }
    // Messages (and lifecycle messages, which have no policy step) count toward the caps.
    if (ranges && (!step || step.isMessage) && !NOT_COUNTED.has(entry.status)) {
      const at = Date.parse(entry.sentAt ?? entry.dueAt);
      if (at >= ranges.day[0] && at < ranges.day[1]) index.sentOnSlotDay++;
      if (at >= ranges.week[0] && at < ranges.week[1]) index.sentInSlotWeek++;
    }
  }
  return index;
}

export interface DueContext {
  compiled: CompiledPolicy;
  today: number;
  snapshot: CustomerSnapshot;
  history: HistoryIndex | null;
  /** The customer's open total in the policy currency (grouping: customer), else null. */
  customerOpenMinor: number | null;
  skips: PlanSkip[];
  /** The run's shared trace lines (one string per distinct line, not one per invoice). */
  parts: SharedParts;
  /** Reused for every invoice of the customer: one allocation per customer, not per invoice. */
  input: ConditionInput;
}

export function newConditionInput(
  snapshot: CustomerSnapshot,
  history: HistoryIndex | null,
  currency: string,
  nowMs: number,
  riskModel: RiskModel | null,
) {
  const input: ConditionInput = {
    snapshot,
    openMinor: null,
    currency,
    daysOverdue: 0,
    repliedSteps: history?.repliedSteps ?? null,
    invoice: null,
    nowMs,
    riskModel,
    risk: null,
  };
  return input;
}

/**
 * Steps due for one invoice today: occurrence day (due date + offset) ≤ today, not already in
 * the history, not before the latest step already taken, conditions holding. With
 * `catchUp: latest` only the latest due offset fires; earlier missed steps are superseded.
 * A step more than `catchUpMaxDays` late (and every earlier one) never fires: when nothing else
 * fires for the invoice, the most recent such step is reported as a "too_late" skip.
 */
export function collectDueSteps(context: DueContext, invoice: SnapshotInvoice, drafts: Draft[]): void {
  const { steps } = context.compiled;
  const daysOverdue = context.today - epochDay(invoice.dueDate);
  const firstStep = steps[0];
  if (!firstStep || firstStep.offset > daysOverdue) return;
  const dueDay = context.today - daysOverdue;
  const taken = context.history?.byInvoice.get(invoice.externalId);
  const calendar = context.compiled.calendar;
  let floor = Number.NEGATIVE_INFINITY;
  if (taken) {
    for (let i = steps.length - 1; i >= 0; i--) {
      if (isTaken(taken, i, dueDay + (steps[i] as CompiledStep).offset, calendar)) {
        floor = (steps[i] as CompiledStep).offset;
        break;
      }
    }
  }
  let high = steps.length - 1;
  while (high >= 0 && (steps[high] as CompiledStep).offset > daysOverdue) high--;
  const input = conditionInput(context, invoice, daysOverdue);
  const latestOnly = context.compiled.policy.catchUp === "latest";
  const maxLate = context.compiled.policy.catchUpMaxDays;
  const resumeDay = pauseEndDay(context);
  let firedOffset: number | null = null;
  const firstDraft = drafts.length;
  let superseded = 0;
  let failedLines: TraceEntry[] | null = null;
  for (let i = high; i >= 0; i--) {
    const step = steps[i] as CompiledStep;
    if (step.offset < floor) break;
    if (taken && isTaken(taken, i, dueDay + step.offset, calendar)) continue;
    if (latestOnly && firedOffset !== null && step.offset < firedOffset) {
      superseded += 2 ** i;
      continue;
    }
    if (maxLate !== null && context.today - Math.max(dueDay + step.offset, resumeDay) > maxLate) {
      if (firedOffset === null) context.skips.push(tooLateSkip(context, invoice, step, dueDay, maxLate));
      break;
    }
    const failed = failedCondition(step, input);
    if (failed !== null) {
      const skip = conditionSkip(context.snapshot, invoice, step, failed);
      context.skips.push(skip);
      failedLines ??= [];
      failedLines.push(skip.trace[0] as TraceEntry);
      continue;
    }
    firedOffset = step.offset;
    drafts.push({
      step,
      invoices: [invoice],
      dueDate: invoice.dueDate,
      daysOverdue,
      superseded: 0,
      failed: null,
      explained: customerConditionLines(step, input),
    });
  }
  for (let i = firstDraft; i < drafts.length; i++) {
    const draft = drafts[i] as Draft;
    draft.superseded = superseded;
    draft.failed = failedLines;
  }
}

/**
 * The local day the customer's last pause ended, or -Infinity. A step that fell due while the
 * customer was paused was held, not missed: its lateness counts from the end of the pause.
 */
function pauseEndDay(context: DueContext): number {
  const ended = context.snapshot.pauseEndedAt;
  if (!ended) return Number.NEGATIVE_INFINITY;
  return localTime(Date.parse(ended), context.compiled.policy.timezone).day;
}

/** Taken for this due date: last due on or after the step's day (a plan never schedules earlier). */
function isTaken(taken: readonly number[], index: number, stepDay: number, calendar: SendCalendar): boolean {
  return (taken[index] as number) >= calendar.dayStartMs(stepDay);
}

function conditionInput(context: DueContext, invoice: SnapshotInvoice, daysOverdue: number): ConditionInput {
  const { policy } = context.compiled;
  const { input } = context;
  input.openMinor =
    policy.grouping === "customer"
      ? context.customerOpenMinor
      : invoice.openAmount.currency === policy.currency
        ? invoice.openAmount.amountMinor
        : null;
  input.daysOverdue = daysOverdue;
  input.invoice = invoice;
  return input;
}

function tooLateSkip(
  context: DueContext,
  invoice: SnapshotInvoice,
  step: CompiledStep,
  dueDay: number,
  maxLate: number,
): PlanSkip {
  const stepDay = dueDay + step.offset;
  return {
    source: context.snapshot.customer.source,
    customerRef: context.snapshot.customer.externalId,
    invoiceRefs: [invoice.externalId],
    stepId: step.id,
    reason: "too_late",
    trace: [context.parts.tooLateLine(step, stepDay, context.today - stepDay, maxLate)],
  };
}

function conditionSkip(
  snapshot: CustomerSnapshot,
  invoice: SnapshotInvoice,
  step: CompiledStep,
  why: string,
): PlanSkip {
  const trace: TraceEntry[] = [{ rule: `conditions:${step.id}`, outcome: "skipped", reason: why }];
  return {
    source: snapshot.customer.source,
    customerRef: snapshot.customer.externalId,
    invoiceRefs: [invoice.externalId],
    stepId: step.id,
    reason: "condition",
    trace,
  };
}

/** grouping: customer — one draft per (step, due date) listing every invoice it covers. */
export function mergeByStep(drafts: readonly Draft[]): Draft[] {
  const merged = new Map<string, Draft>();
  for (const draft of drafts) {
    const key = `${draft.step.id}\u0000${draft.dueDate}`;
    const existing = merged.get(key);
    if (!existing) {
      merged.set(key, { ...draft, invoices: [...draft.invoices] });
      continue;
    }
    existing.invoices.push(...draft.invoices);
    existing.superseded = unionMask(existing.superseded, draft.superseded);
    if (draft.failed) existing.failed = [...(existing.failed ?? []), ...draft.failed];
  }
  const result = [...merged.values()];
  for (const draft of result) draft.invoices.sort(byExternalId);
  return result;
}

function byExternalId(a: SnapshotInvoice, b: SnapshotInvoice): number {
  return a.externalId < b.externalId ? -1 : a.externalId > b.externalId ? 1 : 0;
}

/** Bitwise OR for masks wider than 32 bits (up to 50 steps). */
function unionMask(a: number, b: number): number {
  const high = (Math.floor(a / 2 ** 25) | Math.floor(b / 2 ** 25)) * 2 ** 25;
  return high + ((a % 2 ** 25) | (b % 2 ** 25));
}
