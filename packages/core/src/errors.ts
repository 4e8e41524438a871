/**
 * Errors carry a stable `code`, a `retryable` flag and the provider's own words.
 * The engine decides retry / backoff / dead-letter from these fields alone.
 * Checks go through `isReguaError` (a Symbol.for tag), not `instanceof`, so two copies of
 * @regua/core in one install still agree.
 */
import type { DeliveryIssue, TemplateStatus } from "./contracts.js";

const TAG = Symbol.for("regua.error");

export type ReguaErrorCode =
  | "AUTH"
  | "RATE_LIMIT"
  | "NOT_FOUND"
  | "VALIDATION"
  | "TRANSIENT"
  | "PERMANENT"
  | "CONFIG"
  | "SEND_OUTCOME_UNKNOWN"
  | "CANCELLED";

export interface ProviderDetail {
  /** Which system said it: "sap-b1", "whatsapp", "quickbooks", … */
  system: string;
  /** The provider's own error code, as it sent it (131026, -304, "6000"). */
  code?: string | number | undefined;
  /** The provider's own message. */
  message?: string | undefined;
  /** HTTP status, when there was one. */
  status?: number | undefined;
}

export interface ReguaErrorOptions {
  provider?: ProviderDetail | undefined;
  cause?: unknown;
  /** Where the bad input came from: a file:line, a source + record id, a CLI argument. */
  where?: string | undefined;
  /**
   * Why, in a word a program can test: "status 503", "vendor", "retry-after over cap",
   * "not sent" (the request never left), "ambiguous" (it may have been processed).
   */
  reason?: string | undefined;
}

export class ReguaError extends Error {
  readonly [TAG] = true;
  readonly code: ReguaErrorCode;
  readonly retryable: boolean;
  readonly provider: ProviderDetail | undefined;
  readonly where: string | undefined;
  readonly reason: string | undefined;

  constructor(code: ReguaErrorCode, retryable: boolean, message: string, options: ReguaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = retryable;
    this.provider = options.provider;
    this.where = options.where;
    this.reason = options.reason;
  }

  /** One line a person can act on: who said no, what they said, whether régua retries. */
  describe(): string {
    const parts = [`${this.code}: ${this.message}`];
    if (this.where) parts.push(`at ${this.where}`);
    if (this.provider) {
      const p = this.provider;
      const said = [p.status && `HTTP ${p.status}`, p.code !== undefined && `code ${p.code}`, p.message]
        .filter(Boolean)
        .join(", ");
      parts.push(`(${p.system}${said ? `: ${said}` : ""})`);
    }
    parts.push(this.retryable ? "[will retry]" : "[not retried]");
    return parts.join(" ");
  }
}

export class AuthError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("AUTH", false, message, options);
  }
}

export class RateLimitError extends ReguaError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: ReguaErrorOptions) {
    super("RATE_LIMIT", true, message, options);
    this.retryAfterMs = retryAfterMs;
  }
}

export class NotFoundError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("NOT_FOUND", false, message, options);
  }
}

/** Bad input: a payload that fails its schema, a config field, a policy line. */
export class ValidationError extends ReguaError {
  readonly issues: readonly { path: string; message: string }[];
  constructor(
    message: string,
    issues: readonly { path: string; message: string }[] = [],
    options?: ReguaErrorOptions,
  ) {
    super("VALIDATION", false, message, options);
    this.issues = issues;
  }
}

export class TransientError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("TRANSIENT", true, message, options);
  }
}

export class PermanentError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("PERMANENT", false, message, options);
  }
}

/**
 * The provider refused this message for this recipient, for a reason the engine acts on (see
 * DeliveryIssue): resend as a template, wait `retryAfterMs`, or flag the number. Only an
 * engagement limit is retryable, and never sooner than `retryAfterMs`.
 */
export class RecipientError extends ReguaError {
  readonly issue: DeliveryIssue;
  readonly retryAfterMs: number;
  constructor(
    issue: DeliveryIssue,
    message: string,
    options: ReguaErrorOptions & { retryAfterMs?: number } = {},
  ) {
    const retryable = issue === "engagement_limit";
    super(retryable ? "TRANSIENT" : "PERMANENT", retryable, message, options);
    this.issue = issue;
    this.retryAfterMs = options.retryAfterMs ?? 0;
  }
}

/** The delivery issue an error carries (a RecipientError from any copy of core), or null. */
export function deliveryIssueOf(error: unknown): { issue: DeliveryIssue; retryAfterMs: number } | null {
  if (!isReguaError(error) || !("issue" in error) || typeof error.issue !== "string") return null;
  const retryAfterMs =
    "retryAfterMs" in error && typeof error.retryAfterMs === "number" ? error.retryAfterMs : 0;
  return { issue: error.issue as DeliveryIssue, retryAfterMs };
}

/**
 * The provider refused a send because of the template itself, not the message (WhatsApp 132015
 * "Template is Paused", 132016 "Template is Disabled"): nothing left, and the same send may work
 * once the template is approved again. The engine holds the send instead of failing it.
 */
export class TemplateBlockedError extends ReguaError {
  readonly templateStatus: TemplateStatus;
  constructor(templateStatus: TemplateStatus, message: string, options: ReguaErrorOptions = {}) {
    super("PERMANENT", false, message, options);
    this.templateStatus = templateStatus;
  }
}

/** The template status a TemplateBlockedError (from any copy of core) carries, or null. */
export function templateBlockedOf(error: unknown): TemplateStatus | null {
  if (!isReguaError(error) || !("templateStatus" in error) || typeof error.templateStatus !== "string")
    return null;
  return error.templateStatus as TemplateStatus;
}

export class ConfigError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("CONFIG", false, message, options);
  }
}

/**
 * The request may have reached the provider and no answer came back (a timeout or a network
 * error after the request was written). Resending could deliver the message twice, so the
 * engine never retries it blindly: the action goes to `unknown` and is reconciled from the
 * provider's status webhooks (or a lookup), then resent once only after a quiet period.
 */
export class SendOutcomeUnknownError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("SEND_OUTCOME_UNKNOWN", false, message, options);
  }
}

/**
 * The work was stopped on purpose (a graceful shutdown) before it could finish. Not a failure:
 * the engine hands the action back to `planned` and writes no "message failed" activity.
 */
export class CancelledError extends ReguaError {
  constructor(message: string, options?: ReguaErrorOptions) {
    super("CANCELLED", false, message, options);
  }
}

/**
 * A send whose outcome is not known: a SendOutcomeUnknownError, or any error the HTTP layer
 * marked `reason: "ambiguous"` (@regua/connector-kit: a reset or response timeout after the
 * request may have reached the server).
 */
export function isSendOutcomeUnknown(error: unknown): boolean {
  return isReguaError(error) && (error.code === "SEND_OUTCOME_UNKNOWN" || error.reason === "ambiguous");
}

export function isCancelled(error: unknown): boolean {
  return isReguaError(error) && error.code === "CANCELLED";
}

export function isReguaError(error: unknown): error is ReguaError {
  return typeof error === "object" && error !== null && (error as Record<symbol, unknown>)[TAG] === true;
}

type ZodLikeError = { issues: readonly { path: readonly PropertyKey[]; message: string }[] };

/** Each issue as `{ path: "lines[0].qty", message }`, the path written the way a reader types it. */
export function zodIssues(error: ZodLikeError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({
    path: issue.path
      .map((p) => (typeof p === "number" ? `[${p}]` : String(p)))
      .join(".")
      .replace(/\.\[/g, "["),
    message: issue.message,
  }));
}

/** One line naming every field: `dueDate: Invalid date; lines[0].qty: Too small`. */
export function describeZodError(error: ZodLikeError): string {
  return zodIssues(error)
    .map((i) => `${i.path || "(root)"}: ${i.message}`)
    .join("; ");
}

/** Turns a zod error into a ValidationError whose message names the source and every field. */
export function fromZodError(error: ZodLikeError, where: string): ValidationError {
  return new ValidationError(`${where}: ${describeZodError(error)}`, zodIssues(error), { where });
}
