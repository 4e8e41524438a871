import type { Customer } from "../model.js";
import { epochDay, isoDateOfDay, localTime, zonedInstant } from "../planner/calendar.js";
import { promiseDate, type Reply } from "../reply.js";
import { audit, type EngineContext, nowIso } from "./context.js";

/**
 * Holds a customer's dunning because of what they said: a promise to pay pauses it until the
 * promised date plus a grace day; "I already paid" pauses it until the ERP shows a payment or
 * an operator releases it. Both are audited; the planner skips a paused customer with a trace.
 */

/** The audit action of a promise to pay; the store reads these back for the behaviour features. */
export const PROMISE_AUDIT_ACTION = "promise.created";

/** An "awaiting payment" hold has no end of its own: it lasts until released. */
export const UNTIL_RELEASED = "9999-12-31T23:59:59.999Z";
/** The day after the promised date, so a payment made late on that day has time to reach the ERP. */
const PROMISE_GRACE_DAYS = 1;
/** A promise that names no date ("vou pagar") holds this many days. */
const UNDATED_PROMISE_DAYS = 3;

export interface PaymentPromise {
  /** YYYY-MM-DD, or null when the customer named no date. */
  date: string | null;
  /** The instant the hold ends. */
  until: string;
}

/** The hold for a promise: until the end of the promised day plus the grace day, in the policy's zone. */
export function promiseHold(ctx: EngineContext, reply: Reply): PaymentPromise {
  const zone = ctx.policy.timezone;
  const today = localTime(ctx.clock.now().getTime(), zone).day;
  const date = promiseDate(reply, isoDateOfDay(today));
  const lastDay = date === null ? today + UNDATED_PROMISE_DAYS - 1 : epochDay(date) + PROMISE_GRACE_DAYS;
  return { date, until: new Date(zonedInstant(lastDay + 1, 0, zone)).toISOString() };
}

export async function holdForPromise(
  ctx: EngineContext,
  customer: Customer,
  reply: Reply,
  actor: string,
): Promise<PaymentPromise> {
  const { source, externalId: customerRef } = customer;
  const promise = promiseHold(ctx, reply);
  const reason = promise.date
    ? `promised to pay on ${promise.date}`
    : `promised to pay (no date given; held ${UNDATED_PROMISE_DAYS} days)`;
  await ctx.store.setPause({
    source,
    customerRef,
    until: promise.until,
    reason,
    at: nowIso(ctx),
    kind: "promise_to_pay",
  });
  await audit(ctx, PROMISE_AUDIT_ACTION, `${source}/${customerRef}`, { ...promise, text: reply.text }, actor);
  return promise;
}

export async function holdUntilPaymentConfirmed(
  ctx: EngineContext,
  customer: Customer,
  actor: string,
): Promise<void> {
  const { source, externalId: customerRef } = customer;
  await ctx.store.setPause({
    source,
    customerRef,
    until: UNTIL_RELEASED,
    reason:
      "customer says they already paid; held until the ERP shows the payment or an operator releases it",
    at: nowIso(ctx),
    kind: "awaiting_payment",
  });
  await audit(ctx, "pause.awaiting_payment", `${source}/${customerRef}`, {}, actor);
}

/**
 * Lifts an "already paid" hold: the ERP now shows a payment (`why` = "payment") or an operator
 * released it. Other pauses (a promise, a pause step) are left as they are. Returns whether a
 * hold was lifted.
 */
export async function releasePaymentHold(
  ctx: EngineContext,
  customer: { source: string; customerRef: string },
  why: "payment" | "operator",
  actor: string = ctx.workerId,
): Promise<boolean> {
  const pause = await ctx.store.getPause(customer.source, customer.customerRef);
  if (pause?.kind !== "awaiting_payment" || pause.until === null) return false;
  await ctx.store.setPause({
    ...customer,
    until: null,
    reason: why === "payment" ? "the ERP shows the payment" : "released by an operator",
    at: nowIso(ctx),
    kind: "awaiting_payment",
  });
  await audit(ctx, "pause.released", `${customer.source}/${customer.customerRef}`, { why }, actor);
  return true;
}
