import type { Clock, Logger } from "@regua/core";
import type { Counter } from "prom-client";

export type RejectReason =
  | "bad_signature"
  | "bad_token"
  | "rate_limited"
  | "too_large"
  | "too_many_events"
  | "bad_body"
  | "not_found";

/**
 * Rejected requests are counted (regua_http_rejected_total) and logged as one summary line per
 * interval, never one line each: a flood of forged webhooks must not become a flood of logs.
 */
export class RejectionLog {
  private pending = new Map<RejectReason, number>();
  private lastFlushMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly counter: Counter<"reason">,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly intervalMs = 10_000,
  ) {}

  record(reason: RejectReason, route: string): void {
    this.counter.inc({ reason });
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + 1);
    const nowMs = this.clock.now().getTime();
    if (nowMs - this.lastFlushMs < this.intervalMs) return;
    this.lastFlushMs = nowMs;
    const counts = Object.fromEntries(this.pending);
    this.pending = new Map();
    this.log.warn({ rejected: counts, lastRoute: route }, "requests rejected (counts since the last line)");
  }
}
