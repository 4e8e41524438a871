import {
  AuthError,
  CancelledError,
  ConfigError,
  isReguaError,
  NotFoundError,
  PermanentError,
  type ProviderDetail,
  RateLimitError,
  type ReguaError,
  type ReguaErrorCode,
  SendOutcomeUnknownError,
  TransientError,
  ValidationError,
} from "@regua/core";
import { CONNECT_TIMEOUT_CODE } from "./transport.js";

/** A response as the kit hands it to callers and hooks; header names are lower case. */
export interface KitResponse<T = unknown> {
  status: number;
  headers: Record<string, string>;
  /** Every Set-Cookie line (the one header that repeats). */
  setCookie: string[];
  data: T;
}

/**
 * What a connector's `classify` hook says about a response, read from the vendor's error body
 * (SAP `error.code`, Intuit `Fault`, Graph `error.code`, Odoo faults). Every field is optional:
 * a hook that only extracts `code` and `message` leaves the class to the status table.
 */
export interface Verdict {
  /** The class to raise; "ok" accepts the response; absent: the status table decides. */
  kind?: ReguaErrorCode | "ok";
  /** The vendor's own error code and words, kept on the error's `provider`. */
  code?: string | number | undefined;
  message?: string | undefined;
  /** For RATE_LIMIT: the wait the vendor implies when it sends no Retry-After. */
  retryAfterMs?: number | undefined;
  /** More of the vendor's detail for the error's `provider` (Graph's fbtrace_id, a subcode). */
  detail?: Record<string, string | number | undefined> | undefined;
}

export type Classify = (response: KitResponse) => Verdict | undefined;

/**
 * The one table from HTTP status to core error class (issue 9): 400/422 VALIDATION,
 * 401/403 AUTH, 404/410 NOT_FOUND, 429 RATE_LIMIT, 408/5xx TRANSIENT, other 4xx PERMANENT.
 */
export function kindForStatus(status: number): ReguaErrorCode | "ok" {
  if (status < 400) return "ok";
  if (status === 400 || status === 422) return "VALIDATION";
  if (status === 401 || status === 403) return "AUTH";
  if (status === 404 || status === 410) return "NOT_FOUND";
  if (status === 429) return "RATE_LIMIT";
  if (status === 408 || status >= 500) return "TRANSIENT";
  return "PERMANENT";
}

export interface ErrorDetail {
  provider: ProviderDetail;
  reason: string;
  retryAfterMs?: number | undefined;
  where?: string | undefined;
}

/** Builds the core error of class `kind`, keeping the vendor's words and the reason. */
export function errorOfKind(kind: ReguaErrorCode, message: string, detail: ErrorDetail): ReguaError {
  const options = { provider: detail.provider, reason: detail.reason, where: detail.where };
  switch (kind) {
    case "AUTH":
      return new AuthError(message, options);
    case "RATE_LIMIT":
      return new RateLimitError(message, detail.retryAfterMs ?? 1_000, options);
    case "NOT_FOUND":
      return new NotFoundError(message, options);
    case "VALIDATION":
      return new ValidationError(message, [], options);
    case "TRANSIENT":
      return new TransientError(message, options);
    case "CONFIG":
      return new ConfigError(message, options);
    case "PERMANENT":
      return new PermanentError(message, options);
    case "SEND_OUTCOME_UNKNOWN":
      return new SendOutcomeUnknownError(message, options);
    case "CANCELLED":
      return new CancelledError(message, options);
  }
}

/**
 * Failures before the request could have reached the server: nothing was processed, so even a
 * POST may be sent again. Every other network failure (reset, hang-up, response timeout) is
 * "ambiguous": the server may have acted on it.
 */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ERR_INVALID_URL",
  CONNECT_TIMEOUT_CODE,
]);
const TLS_CODE = /^(ERR_TLS_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/;

/** "not sent" or "ambiguous", from a transport error's code. */
export function networkReason(error: unknown): "not sent" | "ambiguous" {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return "ambiguous";
  return NOT_SENT_CODES.has(code) || TLS_CODE.test(code) ? "not sent" : "ambiguous";
}

/**
 * A transport failure as a TransientError. Only the error's code and message are kept: the
 * axios error holds the request config, and with it the Authorization header.
 */
export function networkError(system: string, what: string, error: unknown): TransientError {
  if (isReguaError(error)) return error as TransientError;
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const said = typeof code === "string" ? code : typeof message === "string" ? message : "network error";
  const reason = networkReason(error);
  return new TransientError(
    `${system}: ${what} failed: ${said}${reason === "ambiguous" ? " (may have been processed)" : ""}`,
    {
      provider: {
        system,
        code: typeof code === "string" ? code : undefined,
        message: typeof message === "string" ? message : undefined,
      },
      reason,
    },
  );
}

/**
 * True when a request failed after it may have reached the server (a reset, a response
 * timeout): a non-idempotent send must then be treated as "unknown" and reconciled, not resent.
 */
export function isAmbiguous(error: unknown): boolean {
  return isReguaError(error) && error.reason === "ambiguous";
}
