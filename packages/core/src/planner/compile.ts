import type { CustomerSnapshot, TraceEntry } from "../actions.js";
import {
  type CompiledPaymentHistory,
  compilePaymentHistory,
  failedPaymentHistory,
  paymentHistoryLine,
} from "../behaviour/conditions.js";
import { toDecimalString, toMinorUnits } from "../money.js";
import type { Policy, PolicyStep } from "../policy/schema.js";
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
  if (compiledStep.paymentHistory === null) return null;
  return [paymentHistoryLine(compiledStep.id, compiledStep.paymentHistory, input.snapshot.payments)];
}
