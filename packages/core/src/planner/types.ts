import type { PlannedAction, TraceEntry } from "../actions.js";

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
