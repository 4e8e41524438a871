import type { CountryCode } from "libphonenumber-js";
import type { Clock } from "../clock.js";
import type { Channel, Connector } from "../contracts.js";
import type { ConversationStore } from "../conversation-port.js";
import { isReguaError, RateLimitError } from "../errors.js";
import type { Logger } from "../logger.js";
import type { Policy } from "../policy/index.js";
import { backoffDelay, type RetryOptions } from "../retry.js";
import type { AuditEntry, DunningStore } from "../store-port.js";
import { OutcomeCommitter, SendingMoves } from "./group-commit.js";
import type { EngineOptions, RoutedChannelEvent } from "./types.js";

/** The engine's resolved options, shared by its parts. */
export interface EngineContext {
  store: DunningStore;
  /** The dispatch's outcomes, group-committed through `store` (group-commit.ts). */
  outcomes: OutcomeCommitter;
  /** The dispatch's moves to `sending`, a turn's in one statement (group-commit.ts). */
  sending: SendingMoves;
  connectors: ReadonlyMap<string, Connector>;
  channels: ReadonlyMap<string, Channel>;
  policy: Policy;
  clock: Clock;
  log: Logger;
  workerId: string;
  defaultRegion: CountryCode;
  random: () => number;
  shareRateLimits: boolean;
  /** Take sync and plan units under the store's leases (EngineOptions.shareWork). */
  shareWork: boolean;
  /** TTL of a work unit's lease; renewed between pages and batches once a third of it went by. */
  workLeaseMs: number;
  claimBatch: number;
  /** Whether `claimBatch` was configured: then a dispatch claims that many, not more. */
  claimBatchConfigured: boolean;
  sendConcurrency: number;
  leaseMs: number;
  sendAttempts: number;
  writeAttempts: number;
  syncAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  webhookBatch: number;
  /** How long an `unknown` send waits for a status before the reconciler acts. */
  unknownQuietMs: number;
  /** What the reconciler does then: send once more, or hold it for an operator. */
  onUnknown: "resend" | "hold";
  conversations: ConversationStore | null;
  onChannelEvent: ((routed: RoutedChannelEvent) => Promise<void>) | null;
  /** A reply within this long of a dunning message, quoting it or not, answers it. */
  answerWindowMs: number;
}

export function resolveContext(options: EngineOptions): EngineContext {
  const limits = options.limits ?? {};
  const log = options.log.child({ component: "engine", workerId: options.workerId });
  const leaseMs = positive(limits.leaseMs, 5 * 60_000, "leaseMs");
  return {
    store: options.store,
    outcomes: new OutcomeCommitter(options.store, log),
    sending: new SendingMoves(options.store, options.clock, options.workerId, leaseMs),
    connectors: options.connectors,
    channels: options.channels,
    policy: options.policy,
    clock: options.clock,
    log,
    workerId: options.workerId,
    defaultRegion: (options.defaultRegion ?? "BR") as CountryCode,
    random: options.random ?? Math.random,
    shareRateLimits: options.shareRateLimits === true,
    shareWork: options.shareWork === true,
    workLeaseMs: positive(limits.workLeaseMs, 5 * 60_000, "workLeaseMs"),
    claimBatch: positive(limits.claimBatch, 20, "claimBatch"),
    claimBatchConfigured: limits.claimBatch !== undefined,
    sendConcurrency: positive(limits.sendConcurrency, 32, "sendConcurrency"),
    leaseMs,
    sendAttempts: positive(limits.sendAttempts, 5, "sendAttempts"),
    writeAttempts: positive(limits.writeAttempts, 8, "writeAttempts"),
    syncAttempts: positive(limits.syncAttempts, 3, "syncAttempts"),
    backoffBaseMs: positive(limits.backoffBaseMs, 30_000, "backoffBaseMs"),
    backoffMaxMs: positive(limits.backoffMaxMs, 60 * 60_000, "backoffMaxMs"),
    webhookBatch: positive(limits.webhookBatch, 50, "webhookBatch"),
    unknownQuietMs: positive(limits.unknownQuietMs, 15 * 60_000, "unknownQuietMs"),
    onUnknown: options.onUnknown ?? "resend",
    conversations: options.conversations ?? null,
    onChannelEvent: options.onChannelEvent ?? null,
    answerWindowMs: positive(options.answerWindowMs, 72 * 60 * 60_000, "answerWindowMs"),
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new RangeError(`limits.${name} must be a positive integer`);
  return value;
}

export function nowIso(ctx: EngineContext): string {
  return ctx.clock.now().toISOString();
}

export function plusMs(ctx: EngineContext, ms: number): string {
  return new Date(ctx.clock.now().getTime() + ms).toISOString();
}

/** Delay before attempt `attempt + 1`; a rate limit waits at least what the provider asked. */
export function retryDelayMs(ctx: EngineContext, attempt: number, error: unknown): number {
  const delay = backoffDelay(attempt, {
    baseMs: ctx.backoffBaseMs,
    maxMs: ctx.backoffMaxMs,
    random: ctx.random,
  });
  if (error instanceof RateLimitError || (isReguaError(error) && error.code === "RATE_LIMIT")) {
    return Math.max(delay, (error as RateLimitError).retryAfterMs ?? 0);
  }
  return delay;
}

/** One line naming who said no and what they said; never the request (it may hold secrets). */
export function describeError(error: unknown): string {
  if (isReguaError(error)) {
    const issues =
      "issues" in error && Array.isArray(error.issues)
        ? (error.issues as { path: string; message: string }[])
        : [];
    const unnamed = issues.filter((i) => !error.message.includes(i.path));
    const suffix = unnamed.map((i) => `${i.path}: ${i.message}`).join("; ");
    return suffix ? `${error.describe()} (${suffix})` : error.describe();
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

export async function audit(
  ctx: EngineContext,
  action: string,
  subject: string,
  detail: Record<string, unknown>,
  actor: string = ctx.workerId,
): Promise<void> {
  await ctx.store.appendAudit(auditEntry(ctx, action, subject, detail, actor));
}

/** An audit entry to commit with an outcome (DunningStore.commitOutcome). */
export function auditEntry(
  ctx: EngineContext,
  action: string,
  subject: string,
  detail: Record<string, unknown>,
  actor: string = ctx.workerId,
): AuditEntry {
  return { at: nowIso(ctx), actor, action, subject, detail };
}

/** Bounded retries of an idempotent call (a read, an upsert) with the engine's backoff. */
export function retryOptions(ctx: EngineContext, attempts: number, signal?: AbortSignal): RetryOptions {
  const options: RetryOptions = {
    attempts,
    clock: ctx.clock,
    baseMs: ctx.backoffBaseMs,
    maxMs: ctx.backoffMaxMs,
    random: ctx.random,
    onRetry: (error, attempt, delayMs) =>
      ctx.log.warn({ attempt, delayMs, error: describeError(error) }, "retrying after a retryable error"),
  };
  if (signal) options.signal = signal;
  return options;
}
