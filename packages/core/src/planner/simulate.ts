import type { ActionHistoryEntry, CustomerSnapshot, PlannedAction } from "../actions.js";
import type { Policy } from "../policy/schema.js";
import { epochDay, isoDateOfDay, zonedInstant } from "./calendar.js";
import { compilePolicy } from "./compile.js";
import { plan } from "./plan.js";
import type { PlanSkip } from "./types.js";

export interface SimulatedDay {
  /** Local date in the policy's time zone, "2026-11-23". */
  date: string;
  /** The instant the day was planned at (the window start, or local noon on a closed day). */
  plannedAt: string;
  actions: PlannedAction[];
  skips: PlanSkip[];
}

/**
 * Replays the policy day by day over fixed snapshots (`regua simulate`): each day is planned
 * at its window start, and every action planned is treated as sent at its dueAt in the
 * history of later days. Invoices do not change: the simulation shows what the régua would
 * send if nobody paid.
 */
export function simulate(
  policy: Policy,
  snapshots: Iterable<CustomerSnapshot>,
  range: { from: string; to: string },
): SimulatedDay[] {
  const { calendar } = compilePolicy(policy);
  const state = [...snapshots].map((snapshot) => ({ ...snapshot, history: [...snapshot.history] }));
  const byCustomer = new Map(state.map((s) => [`${s.customer.source}\u0000${s.customer.externalId}`, s]));
  const days: SimulatedDay[] = [];
  for (let day = epochDay(range.from); day <= epochDay(range.to); day++) {
    const window = calendar.holidayName(day) ? null : calendar.window(day);
    const at = new Date(zonedInstant(day, window?.start ?? 12 * 60, policy.timezone));
    const result = plan(policy, state, at);
    for (const action of result.actions) {
      byCustomer.get(`${action.source}\u0000${action.customerRef}`)?.history.push(asSent(action));
    }
    days.push({ date: isoDateOfDay(day), plannedAt: at.toISOString(), ...result });
  }
  return days;
}

function asSent(action: PlannedAction): ActionHistoryEntry {
  return {
    key: action.key,
    stepId: action.stepId,
    invoiceRefs: action.invoiceRefs,
    status: "sent",
    dueAt: action.dueAt,
    sentAt: action.dueAt,
    repliedAt: null,
  };
}
