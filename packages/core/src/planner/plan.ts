import type { CustomerSnapshot, PlannedAction, SnapshotInvoice, TraceEntry } from "../actions.js";
import type { Policy } from "../policy/schema.js";
import type { RiskModel } from "../risk/model.js";
import { localTime, type SendSlot, weekdayOf } from "./calendar.js";
import { type CompiledPolicy, compilePolicy } from "./compile.js";
import {
  collectDueSteps,
  type Draft,
  type HistoryIndex,
  indexHistory,
  mergeByStep,
  newConditionInput,
} from "./due.js";
import { dunningUnits } from "./installments.js";
import { customerActionKey, fnv1a, invoiceActionKey } from "./keys.js";
import { SharedParts } from "./parts.js";
import type { PlanResult, PlanSkip } from "./types.js";

/** One plan() call: everything that depends only on the policy and `now`, computed once. */
interface PlanRun {
  compiled: CompiledPolicy;
  nowMs: number;
  nowIso: string;
  today: number;
  slot: SendSlot | null;
  dueAtIso: string;
  expiresAtIso: string | null;
  capRanges: { day: [number, number]; week: [number, number] } | null;
  actions: PlannedAction[];
  skips: PlanSkip[];
  parts: SharedParts;
  riskModel: RiskModel | null;
}

/** What plan() may be given besides the policy and snapshots. */
export interface PlanInputs {
  /** The latest payment-risk model (`regua score`), for steps with a riskScore condition. */
  riskModel?: RiskModel | null;
}

/**
 * Decides who gets which step now. Pure and deterministic: the same policy, snapshots (in any
 * order) and `now` give the same actions and keys. Messages are scheduled at the first
 * instant inside the send window that is not a holiday; escalations and pauses are due now.
 */
export function plan(
  policy: Policy,
  snapshots: Iterable<CustomerSnapshot>,
  now: Date,
  inputs: PlanInputs = {},
): PlanResult {
  const run = startRun(policy, now, inputs.riskModel ?? null);
  for (const snapshot of snapshots) planCustomer(run, snapshot);
  return { actions: run.actions, skips: run.skips };
}

/**
 * What, besides the snapshots, decides which action keys plan() emits, as one string: the policy,
 * the local day, the send slot's day (or none: caps count per that day and week) and the UTC day
 * of the stores' 365-day payment window. The instant itself is left out: it only changes when a
 * new action is due, and keys that exist are never inserted twice. Within one epoch a customer
 * whose snapshot did not change gets no new action, so the engine re-plans only the customers the
 * store marked as changed; a new epoch (next day, send slot day or policy) needs a full plan.
 */
export function planEpoch(policy: Policy, now: Date, riskModel: RiskModel | null = null): string {
  const run = startRun(policy, now, null);
  const policyJson = JSON.stringify(policy);
  const parts = [
    "v1",
    run.today,
    run.slot?.day ?? "none",
    run.nowIso.slice(0, 10),
    `${policyJson.length}.${fnv1a(policyJson)}`,
  ];
  // A retrained model changes scores: a new epoch, so every customer is planned again.
  if (riskModel !== null) parts.push(`risk.${riskModel.trainedAt}`);
  return parts.join("|");
}

function startRun(policy: Policy, now: Date, riskModel: RiskModel | null): PlanRun {
  const compiled = compilePolicy(policy);
  const nowMs = now.getTime();
  const zone = policy.timezone;
  const { calendar } = compiled;
  const slot = calendar.nextSlot(nowMs);
  let capRanges: PlanRun["capRanges"] = null;
  if (slot) {
    // Caps count per local day and Monday-based week of the day the messages will go out.
    const monday = slot.day - ((weekdayOf(slot.day) + 6) % 7);
    capRanges = {
      day: [calendar.dayStartMs(slot.day), calendar.dayStartMs(slot.day + 1)],
      week: [calendar.dayStartMs(monday), calendar.dayStartMs(monday + 7)],
    };
  }
  return {
    compiled,
    nowMs,
    nowIso: now.toISOString(),
    today: localTime(nowMs, zone).day,
    slot,
    dueAtIso: new Date(slot?.dueAtMs ?? nowMs).toISOString(),
    expiresAtIso: slot ? new Date(slot.expiresAtMs).toISOString() : null,
    capRanges,
    actions: [],
    skips: [],
    parts: new SharedParts(),
    riskModel,
  };
}

/** Why an invoice gets no step: deleted, or a status other than open / partially paid, or nothing left to pay. */
function skipReason(invoice: SnapshotInvoice): string | null {
  if (invoice.deletedAt) return "deleted";
  if (invoice.status !== "open" && invoice.status !== "partially_paid") return invoice.status;
  return invoice.openAmount.amountMinor <= 0 ? "nothing_open" : null;
}

function planCustomer(run: PlanRun, snapshot: CustomerSnapshot): void {
  const { customer } = snapshot;
  if (snapshot.optedOut || customer.consent === "opted_out") {
    skipCustomer(run, snapshot, "opted_out", "customer opted out of collection messages");
    return;
  }
  if (snapshot.pausedUntil !== null && Date.parse(snapshot.pausedUntil) > run.nowMs) {
    skipCustomer(run, snapshot, "paused", `dunning paused until ${snapshot.pausedUntil}`);
    return;
  }
  const open = openInvoices(run, snapshot);
  if (open.length === 0) return;
  const history =
    snapshot.history.length > 0 ? indexHistory(run.compiled, snapshot.history, run.capRanges) : null;
  const { policy } = run.compiled;
  const context = {
    compiled: run.compiled,
    today: run.today,
    snapshot,
    history,
    customerOpenMinor: policy.grouping === "customer" ? openTotalMinor(open, policy.currency) : null,
    skips: run.skips,
    parts: run.parts,
    input: newConditionInput(snapshot, history, policy.currency, run.nowMs, run.riskModel),
  };
  let drafts: Draft[] = [];
  for (const invoice of open) collectDueSteps(context, invoice, drafts);
  if (drafts.length === 0) return;
  if (policy.grouping === "customer") drafts = mergeByStep(drafts);
  emitActions(run, snapshot, drafts, history);
}

function openInvoices(run: PlanRun, snapshot: CustomerSnapshot): SnapshotInvoice[] {
  const open: SnapshotInvoice[] = [];
  for (const invoice of snapshot.invoices) {
    const reason = skipReason(invoice);
    if (reason === null) {
      for (const unit of dunningUnits(invoice)) open.push(unit);
      continue;
    }
    run.skips.push({
      source: invoice.source,
      customerRef: snapshot.customer.externalId,
      invoiceRefs: [invoice.externalId],
      stepId: null,
      reason,
      trace: [
        { rule: "invoice-status", outcome: "skipped", reason: `invoice ${invoice.number} is ${reason}` },
      ],
    });
  }
  return open;
}

function openTotalMinor(invoices: readonly SnapshotInvoice[], currency: string): number {
  let total = 0;
  for (const invoice of invoices)
    if (invoice.openAmount.currency === currency) total += invoice.openAmount.amountMinor;
  return total;
}

function skipCustomer(run: PlanRun, snapshot: CustomerSnapshot, reason: string, why: string): void {
  run.skips.push({
    source: snapshot.customer.source,
    customerRef: snapshot.customer.externalId,
    invoiceRefs: snapshot.invoices.map((i) => i.externalId).sort(),
    stepId: null,
    reason,
    trace: [{ rule: reason === "paused" ? "pause" : "opt-out", outcome: "skipped", reason: why }],
  });
}

/** Most advanced step first, so a cap keeps the step that matters most; then by invoice. */
function byPriority(a: Draft, b: Draft): number {
  if (a.step.offset !== b.step.offset) return b.step.offset - a.step.offset;
  const ar = a.invoices[0]?.externalId ?? "";
  const br = b.invoices[0]?.externalId ?? "";
  return ar < br ? -1 : ar > br ? 1 : a.step.id < b.step.id ? -1 : a.step.id > b.step.id ? 1 : 0;
}

function emitActions(
  run: PlanRun,
  snapshot: CustomerSnapshot,
  drafts: Draft[],
  history: HistoryIndex | null,
): void {
  drafts.sort(byPriority);
  const caps = run.compiled.policy.caps;
  let today = history?.sentOnSlotDay ?? 0;
  let week = history?.sentInSlotWeek ?? 0;
  for (const draft of drafts) {
    if (!draft.step.isMessage) {
      run.actions.push(buildAction(run, snapshot, draft, null));
      continue;
    }
    const refusal =
      run.slot === null
        ? ["no_window", "no send window in the next 62 days"]
        : snapshot.customer.phones.length === 0
          ? ["no_phone", "customer has no phone number"]
          : allPhonesUndeliverable(snapshot)
            ? ["undeliverable", undeliverableWhy(snapshot)]
            : caps.perCustomerPerDay !== null && today >= caps.perCustomerPerDay
              ? ["cap", `perCustomerPerDay ${caps.perCustomerPerDay} reached (${today} on the send day)`]
              : caps.perCustomerPerWeek !== null && week >= caps.perCustomerPerWeek
                ? ["cap", `perCustomerPerWeek ${caps.perCustomerPerWeek} reached (${week} this week)`]
                : null;
    if (refusal) {
      run.skips.push(draftSkip(run, snapshot, draft, refusal[0] as string, refusal[1] as string));
      continue;
    }
    today++;
    week++;
    const capsLine = run.parts.capsLine(today, caps.perCustomerPerDay, week, caps.perCustomerPerWeek);
    run.actions.push(buildAction(run, snapshot, draft, capsLine));
  }
}

/** Every number of the customer was reported undeliverable by a channel (until it changes). */
function allPhonesUndeliverable(snapshot: CustomerSnapshot): boolean {
  const flagged = snapshot.undeliverablePhones;
  return (
    flagged !== undefined && flagged.length > 0 && snapshot.customer.phones.every((p) => flagged.includes(p))
  );
}

function undeliverableWhy(snapshot: CustomerSnapshot): string {
  return `number ${(snapshot.undeliverablePhones ?? []).join(", ")} reported undeliverable by the channel; skipped until the number changes or an operator clears it`;
}

function draftSkip(
  run: PlanRun,
  snapshot: CustomerSnapshot,
  draft: Draft,
  reason: string,
  why: string,
): PlanSkip {
  return {
    source: snapshot.customer.source,
    customerRef: snapshot.customer.externalId,
    invoiceRefs: draft.invoices.map((i) => i.externalId).sort(),
    stepId: draft.step.id,
    reason,
    trace: [run.parts.firedLine(draft), { rule: reason, outcome: "skipped", reason: why }],
  };
}

function buildAction(
  run: PlanRun,
  snapshot: CustomerSnapshot,
  draft: Draft,
  capsLine: TraceEntry | null,
): PlannedAction {
  const { step } = draft.step;
  const source = snapshot.customer.source;
  const invoiceRefs =
    draft.invoices.length === 1
      ? [(draft.invoices[0] as SnapshotInvoice).externalId]
      : draft.invoices.map((i) => i.externalId).sort();
  const key =
    run.compiled.policy.grouping === "customer"
      ? customerActionKey(source, snapshot.customer.externalId, step.id, draft.dueDate, invoiceRefs)
      : invoiceActionKey(source, invoiceRefs[0] as string, step.id, draft.dueDate);
  const isMessage = capsLine !== null;
  const trace = traceOf(run, draft, capsLine);
  return {
    key,
    source,
    customerRef: snapshot.customer.externalId,
    invoiceRefs,
    stepId: step.id,
    kind: step.action,
    channel: step.channel ?? null,
    template: step.template?.name ?? null,
    dueAt: isMessage ? run.dueAtIso : run.nowIso,
    expiresAt: isMessage ? run.expiresAtIso : null,
    payload: run.parts.payload(draft),
    trace,
  };
}

/** The action's "why", built in one array: the step that fired, its conditions, catch-up, schedule, caps. */
function traceOf(run: PlanRun, draft: Draft, capsLine: TraceEntry | null): TraceEntry[] {
  const fired = run.parts.firedLine(draft);
  const conditions = run.parts.conditionsLine(draft.step);
  const slotTrace = capsLine === null ? [] : (run.slot?.trace ?? []);
  if (
    conditions === null &&
    draft.explained === null &&
    draft.superseded === 0 &&
    draft.failed === null &&
    slotTrace.length === 0
  ) {
    return capsLine === null ? [fired] : [fired, capsLine];
  }
  const trace: TraceEntry[] = [fired];
  if (conditions) trace.push(conditions);
  for (const entry of draft.explained ?? []) trace.push(entry);
  if (draft.superseded !== 0) {
    for (const entry of run.parts.supersededLines(draft.step, draft.superseded, run.compiled.steps))
      trace.push(entry);
  }
  for (const entry of draft.failed ?? []) trace.push(entry);
  for (const entry of slotTrace) trace.push(entry);
  if (capsLine) trace.push(capsLine);
  return trace;
}
