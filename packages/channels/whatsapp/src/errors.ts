import type { KitResponse, Verdict } from "@regua/connector-kit";
import {
  type DeliveryIssue,
  isReguaError,
  type ProviderDetail,
  RecipientError,
  type ReguaErrorCode,
  TemplateBlockedError,
  type TemplateStatus,
} from "@regua/core";
import { type GraphError, GraphErrorEnvelopeSchema } from "./schemas.js";

/**
 * Graph API error bodies → régua's core errors: the vendor hook of @regua/connector-kit (the
 * kit's status table decides when the body is not Graph's envelope). Codes from
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
 * Codes that are about this recipient, not about the request: the engine acts on them.
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

/** 132015 "Template is Paused", 132016 "Template is Disabled": the template, not the message. */
const TEMPLATE_BLOCKED: Record<number, TemplateStatus> = { 132015: "paused", 132016: "disabled" };

export function deliveryIssue(code: number): DeliveryIssue | undefined {
  return RECIPIENT_ISSUES[code];
}

/** Meta's error with the fields a log reader needs; the fbtrace_id is what Meta support asks for. */
export type WhatsAppProviderDetail = ProviderDetail & {
  fbtraceId?: string | undefined;
  subcode?: number | undefined;
};

function graphErrorKind(httpStatus: number, code: number): ReguaErrorCode {
  if (AUTH.has(code) || (code >= 200 && code < 300 && (httpStatus === 401 || httpStatus === 403)))
    return "AUTH";
  if (code in RATE_LIMIT_WAIT_MS) return "RATE_LIMIT";
  if (TRANSIENT.has(code) || httpStatus >= 500) return "TRANSIENT";
  return "PERMANENT";
}

/** "Message undeliverable (details) [fbtrace_id A…]" */
function describeGraphError(error: GraphError): string {
  const details = error.error_data?.details ?? error.error_user_msg;
  const trace = error.fbtrace_id ? ` [fbtrace_id ${error.fbtrace_id}]` : "";
  return `${error.message}${details ? ` (${details})` : ""}${trace}`;
}

/**
 * The kit's vendor hook: any response whose body is Graph's error envelope, whatever its status
 * (Graph sometimes answers 200 with one), is an error of the class its code says.
 */
export function classifyGraphResponse(response: KitResponse): Verdict | undefined {
  const envelope = GraphErrorEnvelopeSchema.safeParse(response.data);
  if (!envelope.success) return undefined;
  const error = envelope.data.error;
  return {
    kind: graphErrorKind(response.status, error.code),
    code: error.code,
    message: describeGraphError(error),
    retryAfterMs: RATE_LIMIT_WAIT_MS[error.code],
    detail: { fbtraceId: error.fbtrace_id, subcode: error.error_subcode },
  };
}

/**
 * A Graph error about the recipient (131047 / 131049 / 131026) as the RecipientError the engine
 * acts on, a blocked template (132015 / 132016) as a TemplateBlockedError; any other error is
 * returned as it is.
 */
export function withDeliveryIssue(error: unknown): unknown {
  if (!isReguaError(error) || error.provider?.system !== "whatsapp") return error;
  const code = error.provider.code;
  const blocked = typeof code === "number" ? TEMPLATE_BLOCKED[code] : undefined;
  if (blocked) return new TemplateBlockedError(blocked, error.message, { provider: error.provider });
  const issue = typeof code === "number" ? deliveryIssue(code) : undefined;
  if (!issue) return error;
  const retryAfterMs = issue === "engagement_limit" ? ENGAGEMENT_RETRY_MS : 0;
  return new RecipientError(issue, error.message, {
    provider: error.provider,
    retryAfterMs,
    reason: "vendor",
  });
}
