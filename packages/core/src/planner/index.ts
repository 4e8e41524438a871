// The pure planner: plan(policy, snapshots, now) → actions + skips, and simulate() for `regua simulate`.
// No I/O, no Date.now(): time comes in as `now`.
export { epochDay, isoDateOfDay, localTime, SendCalendar, type SendSlot, zonedInstant } from "./calendar.js";
export { dunningUnits, installmentDueOn } from "./installments.js";
export { customerActionKey, invoiceActionKey } from "./keys.js";
export { type PlanInputs, plan, planEpoch } from "./plan.js";
export { type SimulatedDay, simulate } from "./simulate.js";
export type { PlanResult, PlanSkip } from "./types.js";
