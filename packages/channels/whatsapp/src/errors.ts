import {
  AuthError,
  type DeliveryIssue,
  PermanentError,
  type ProviderDetail,
  RateLimitError,
  RecipientError,
  type ReguaError,
  TransientError,
} from "@regua/core";
import type { GraphError } from "./schemas.js";

/**
 * Graph API errors → régua's core errors. Codes from
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes and
 * https://developers.facebook.com/docs/graph-api/guides/error-handling.
 */

/** Throttling: Meta sends no Retry-After, so the wait comes from what each limit measures. */
const RATE_LIMIT_WAIT_MS: Record<number, number> = {
  4: 60_000, // application request limit
  80007: 60_000, // WhatsApp Business Account rate limit
  130429: 1_000, // Cloud API throughput (messages per second per phone number)
  131056: 6_000, // pair rate limit: one message to the same customer every ~6 s
};
/** Retryable: Meta's side failed, the same request may succeed later. */
const TRANSIENT = new Set([1, 2, 131000, 131016, 133004]);
/** The token: expired (190), invalid (102), missing permission (10, 200–299). */
const AUTH = new Set([0, 10, 102, 190]);

/**
 * Codes that are about this recipient, not about the request: the engine acts on them
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 * 131047 re-engagement: more than 24 h since the customer last wrote; send a template.
 * 131049 ecosystem engagement: Meta held a (marketing) message back; try again no sooner than 24 h.
 * 131026 undeliverable: not a WhatsApp number, old app, or the customer blocked the business.
 */
const RECIPIENT_ISSUES: Record<number, DeliveryIssue> = {
  131047: "window_closed",
  131049: "engagement_limit",
  131026: "undeliverable",
};
const ENGAGEMENT_RETRY_MS = 24 * 60 * 60 * 1000;

export function deliveryIssue(code: number): DeliveryIssue | undefined {
  return RECIPIENT_ISSUES[code];
}

/** Meta's error with the fields a log reader needs; the fbtrace_id is what Meta support asks for. */
export type WhatsAppProviderDetail = ProviderDetail & {
  fbtraceId?: string | undefined;
  subcode?: number | undefined;
};

export function graphErrorToReguaError(
  httpStatus: number,
  error: GraphError | undefined,
  retryAfterHeader?: string | undefined,
): ReguaError {
  const details = error?.error_data?.details ?? error?.error_user_msg;
  const provider: WhatsAppProviderDetail = {
    system: "whatsapp",
    code: error?.code,
    message: error ? [error.message, details].filter(Boolean).join(" — ") : undefined,
    status: httpStatus,
    fbtraceId: error?.fbtrace_id,
    subcode: error?.error_subcode,
  };
  const said = error ? `${error.message}${details ? ` (${details})` : ""}` : `HTTP ${httpStatus}`;
  const trace = error?.fbtrace_id ? ` [fbtrace_id ${error.fbtrace_id}]` : "";
  const text = `WhatsApp Cloud API refused the request: ${said}${trace}`;
  const code = error?.code;

  if (code !== undefined && AUTH.has(code)) return new AuthError(text, { provider });
  const issue = code === undefined ? undefined : deliveryIssue(code);
  if (issue) {
    const retryAfterMs = issue === "engagement_limit" ? ENGAGEMENT_RETRY_MS : 0;
    return new RecipientError(issue, text, { provider, retryAfterMs });
  }
  if ((code === undefined || (code >= 200 && code < 300)) && (httpStatus === 401 || httpStatus === 403)) {
    return new AuthError(text, { provider });
  }
  if (code !== undefined && code in RATE_LIMIT_WAIT_MS) {
    return new RateLimitError(text, retryAfterMs(retryAfterHeader) ?? RATE_LIMIT_WAIT_MS[code] ?? 1_000, {
      provider,
    });
  }
  if (httpStatus === 429)
    return new RateLimitError(text, retryAfterMs(retryAfterHeader) ?? 1_000, { provider });
  if ((code !== undefined && TRANSIENT.has(code)) || httpStatus >= 500)
    return new TransientError(text, { provider });
  if (code === undefined && httpStatus < 400) {
    return new TransientError(`WhatsApp Cloud API answered HTTP ${httpStatus} without a result`, {
      provider,
    });
  }
  return new PermanentError(text, { provider });
}

/**
 * No answer at all (connection refused, reset, timeout). The message may or may not have left:
 * the action is reconciled from status webhooks by biz_opaque_callback_data.
 * The transport error is not attached as `cause`: it carries the request's Authorization header.
 */
export function networkError(reason: string): TransientError {
  return new TransientError(`WhatsApp Cloud API unreachable: ${reason}`, {
    provider: { system: "whatsapp", message: reason },
  });
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
