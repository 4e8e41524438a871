// Owned by the policy/planner work. Pure and deterministic: no I/O, no Date.now().
import type { CustomerSnapshot, PlannedAction, TraceEntry } from "../actions.js";
import type { Policy } from "../policy/index.js";

export interface PlanSkip {
  source: string;
  customerRef: string;
  invoiceRefs: string[];
  stepId: string | null;
  /** Short machine reason: "paid", "opted_out", "quiet_hours", "holiday", "cap", "paused", "disputed", … */
  reason: string;
  trace: TraceEntry[];
}

export interface PlanResult {
  actions: PlannedAction[];
  skips: PlanSkip[];
}

export function plan(_policy: Policy, _snapshots: Iterable<CustomerSnapshot>, _now: Date): PlanResult {
  throw new Error("plan: not implemented yet");
}
