import type { CustomerSnapshot, SnapshotInvoice, TraceEntry } from "../actions.js";
import {
  type CompiledPaymentHistory,
  compilePaymentHistory,
  failedPaymentHistory,
  paymentHistoryLine,
} from "../behaviour/conditions.js";
import { toDecimalString, toMinorUnits } from "../money.js";
import type { Policy, PolicyStep } from "../policy/schema.js";
import { plannedRiskInput } from "../risk/features.js";
import { type RiskModel, type RiskScore, scoreRisk } from "../risk/model.js";
import { SendCalendar } from "./calendar.js";

/** A step with its conditions turned into numbers once, so planning an invoice is comparisons. */
export interface CompiledStep {
  step: PolicyStep;
  /** Position in CompiledPolicy.steps (ascending offset). */
  index: number;
  id: string;
  offset: number;
  /** "D-3", "D0", "D+15" */
  label: string;
  minOpenMinor: number | null;
  maxOpenMinor: number | null;
  hasAmountCondition: boolean;
  /** Human summary of the conditions for traces; "" when the step has none. */
  conditionsText: string;
  /** Messages count toward the per-customer caps; escalations and pauses do not. */
  isMessage: boolean;
  /** The step's paymentHistory condition, compiled; null (most steps) costs the planner nothing. */
  paymentHistory: CompiledPaymentHistory | null;
  /** The step's riskScore bounds; null for steps that do not look at the score. */
  riskScore: { min: number | null; max: number | null } | null;
}

export interface CompiledPolicy {
  policy: Policy;
  /** Ascending by offset, then policy order. */
  steps: CompiledStep[];
  byId: Map<string, CompiledStep>;
  calendar: SendCalendar;
}

const compiled = new WeakMap<Policy, CompiledPolicy>();

export function compilePolicy(policy: Policy): CompiledPolicy {
  const cached = compiled.get(policy);
  if (cached) return cached;
  const steps = policy.steps
    .map((step) => compileStep(step, policy.currency))
    .sort((a, b) => a.offset - b.offset);
  steps.forEach((step, index) => {
    step.index = index;
  });
  const result: CompiledPolicy = {
    policy,
    steps,
    byId: new Map(steps.map((s) => [s.id, s])),
    calendar: new SendCalendar(policy),
  };
  compiled.set(policy, result);
  return result;
}

function compileStep(step: PolicyStep, currency: string): CompiledStep {
  const c = step.conditions;
  const minOpenMinor = c.minOpenAmount === undefined ? null : toMinorUnits(c.minOpenAmount, currency);
  const maxOpenMinor = c.maxOpenAmount === undefined ? null : toMinorUnits(c.maxOpenAmount, currency);
  const parts = Object.entries(c).map(([name, value]) => `${name} ${JSON.stringify(value)}`);
  return {
    step,
    index: 0,
    id: step.id,
    offset: step.offsetDays,
    label:
      step.offsetDays === 0 ? "D0" : step.offsetDays > 0 ? `D+${step.offsetDays}` : `D${step.offsetDays}`,
    minOpenMinor,
    maxOpenMinor,
    hasAmountCondition: minOpenMinor !== null || maxOpenMinor !== null,
    conditionsText: parts.join(", "),
    isMessage: step.action === "message",
    paymentHistory: compilePaymentHistory(c.paymentHistory),
    riskScore: c.riskScore ? { min: c.riskScore.min ?? null, max: c.riskScore.max ?? null } : null,
  };
}

/** What the conditions look at, for one invoice (or the customer's open total when grouping by customer). */
export interface ConditionInput {
  snapshot: CustomerSnapshot;
  /** Open amount in the policy currency, or null when the invoice is in another currency. */
  openMinor: number | null;
  currency: string;
  daysOverdue: number;
  /** Steps this customer replied to. */
  repliedSteps: ReadonlySet<string> | null;
  /** The invoice being planned (riskScore scores it). */
  invoice: SnapshotInvoice | null;
  nowMs: number;
  /** The latest trained payment-risk model, or null (riskScore conditions then fail). */
  riskModel: RiskModel | null;
  /** The last score computed for this customer, reused by the next step of the same invoice. */
  risk: { invoice: SnapshotInvoice; daysOverdue: number; score: RiskScore } | null;
}

/** null when every condition holds, else why the first one failed. */
export function failedCondition(compiledStep: CompiledStep, input: ConditionInput): string | null {
  const c = compiledStep.step.conditions;
  if (compiledStep.hasAmountCondition) {
    if (input.openMinor === null) return `amount conditions need ${input.currency} amounts`;
    const open = () => toDecimalString({ amountMinor: input.openMinor ?? 0, currency: input.currency });
    if (compiledStep.minOpenMinor !== null && input.openMinor < compiledStep.minOpenMinor) {
      return `open amount ${open()} ${input.currency} < minOpenAmount ${c.minOpenAmount}`;
    }
    if (compiledStep.maxOpenMinor !== null && input.openMinor > compiledStep.maxOpenMinor) {
      return `open amount ${open()} ${input.currency} > maxOpenAmount ${c.maxOpenAmount}`;
    }
  }
  if (c.minDaysOverdue !== undefined && input.daysOverdue < c.minDaysOverdue) {
    return `${input.daysOverdue} days overdue < minDaysOverdue ${c.minDaysOverdue}`;
  }
  if (c.maxDaysOverdue !== undefined && input.daysOverdue > c.maxDaysOverdue) {
    return `${input.daysOverdue} days overdue > maxDaysOverdue ${c.maxDaysOverdue}`;
  }
  return failedCustomerCondition(compiledStep, input);
}

function failedCustomerCondition(compiledStep: CompiledStep, input: ConditionInput): string | null {
  const c = compiledStep.step.conditions;
  const customer = input.snapshot.customer;
  if (c.segments && !(customer.segment !== null && c.segments.includes(customer.segment))) {
    return `segment ${JSON.stringify(customer.segment)} not in ${c.segments.join(", ")}`;
  }
  const tagged = tagCondition(c, customer.tags);
  if (tagged) return tagged;
  if (c.minCustomerValue !== undefined && (customer.value === null || customer.value < c.minCustomerValue)) {
    return `customer value ${customer.value} < minCustomerValue ${c.minCustomerValue}`;
  }
  if (c.maxCustomerValue !== undefined && (customer.value === null || customer.value > c.maxCustomerValue)) {
    return `customer value ${customer.value} > maxCustomerValue ${c.maxCustomerValue}`;
  }
  if (compiledStep.paymentHistory) {
    const failed = failedPaymentHistory(compiledStep.paymentHistory, input.snapshot.payments);
    if (failed) return failed;
  }
  if (compiledStep.riskScore) {
    const failed = failedRiskScore(compiledStep.riskScore, input);
    if (failed) return failed;
  }
  if (c.noReplyTo && input.repliedSteps) {
    const replied = c.noReplyTo.find((stepId) => input.repliedSteps?.has(stepId));
    if (replied) return `customer replied to ${replied} (noReplyTo)`;
  }
  return null;
}

/** `tags`: the customer has at least one of them; `notTags`: none of them. */
function tagCondition(c: { tags?: string[]; notTags?: string[] }, tags: readonly string[]): string | null {
  if (c.tags && !c.tags.some((tag) => tags.includes(tag))) {
    return `customer tags [${tags.join(", ")}] have none of ${c.tags.join(", ")}`;
  }
  const excluded = c.notTags?.find((tag) => tags.includes(tag));
  return excluded === undefined ? null : `customer is tagged ${JSON.stringify(excluded)} (notTags)`;
}

/**
 * Lines the action's trace adds for conditions that depend on the customer (not only on the
 * step): which behaviour features held and their values. null for steps without them.
 */
export function customerConditionLines(
  compiledStep: CompiledStep,
  input: ConditionInput,
): TraceEntry[] | null {
  if (compiledStep.paymentHistory === null && compiledStep.riskScore === null) return null;
  const lines: TraceEntry[] = [];
  if (compiledStep.paymentHistory) {
    lines.push(paymentHistoryLine(compiledStep.id, compiledStep.paymentHistory, input.snapshot.payments));
  }
  const model = input.riskModel;
  const score = compiledStep.riskScore && model ? scoreOf(input, model) : null;
  if (compiledStep.riskScore && score && model) {
    lines.push(riskScoreLine(compiledStep.id, compiledStep.riskScore, model, score));
  }
  return lines;
}

/** Scores the invoice under planning once per (invoice, day), however many steps look at it. */
function scoreOf(input: ConditionInput, model: RiskModel): RiskScore | null {
  const invoice = input.invoice;
  if (invoice === null) return null;
  const cached = input.risk;
  if (cached && cached.invoice === invoice && cached.daysOverdue === input.daysOverdue) return cached.score;
  const riskInput = plannedRiskInput(
    input.snapshot.payments,
    input.snapshot.history,
    invoice,
    input.daysOverdue,
    input.nowMs,
  );
  const score = scoreRisk(model, riskInput);
  input.risk = { invoice, daysOverdue: input.daysOverdue, score };
  return score;
}

function failedRiskScore(
  bound: { min: number | null; max: number | null },
  input: ConditionInput,
): string | null {
  if (input.riskModel === null) {
    return "riskScore needs a trained payment-risk model; none is stored yet (run regua score)";
  }
  const score = scoreOf(input, input.riskModel);
  if (score === null) return "riskScore needs an invoice";
  const shown = score.risk.toFixed(2);
  const paid = `P(paid within ${input.riskModel.horizonDays} days of due) ${score.paidProbability.toFixed(2)}`;
  if (bound.min !== null && score.risk < bound.min) return `riskScore ${shown} < min ${bound.min} (${paid})`;
  if (bound.max !== null && score.risk > bound.max) return `riskScore ${shown} > max ${bound.max} (${paid})`;
  return null;
}

/** How many contributions a trace line names: the largest, by their effect on the score. */
const TRACE_CONTRIBUTIONS = 4;

function riskScoreLine(
  stepId: string,
  bound: { min: number | null; max: number | null },
  model: RiskModel,
  score: RiskScore,
): TraceEntry {
  const range = [bound.min === null ? null : `≥ ${bound.min}`, bound.max === null ? null : `≤ ${bound.max}`]
    .filter((part) => part !== null)
    .join(" and ");
  const terms = score.contributions
    .slice(0, TRACE_CONTRIBUTIONS)
    .map(
      (c) =>
        `${c.column} ${c.value} ${c.contribution >= 0 ? "+" : "−"}${Math.abs(c.contribution).toFixed(2)}`,
    )
    .join(", ");
  const reason =
    `riskScore ${score.risk.toFixed(2)} (${range}): P(paid within ${model.horizonDays} days of due) ` +
    `${score.paidProbability.toFixed(2)}, model trained ${model.trainedAt.slice(0, 10)} on ${model.rows} rows; ` +
    `largest contributions to the risk (log-odds): ${terms}`;
  return { rule: `risk-score:${stepId}`, outcome: "fired", reason };
}
