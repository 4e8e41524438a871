/**
 * Graph API error envelopes as Meta sends them:
 * `{ error: { message, type, code, error_subcode, error_data, fbtrace_id } }`
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes).
 */
export interface GraphErrorSpec {
  status: number;
  message: string;
  subcode?: number;
  details?: string;
}

export const GRAPH_ERRORS: Record<number, GraphErrorSpec> = {
  1: { status: 500, message: "An unknown error has occurred." },
  2: { status: 503, message: "Service temporarily unavailable" },
  100: { status: 400, message: "Invalid parameter", subcode: 2494010 },
  190: {
    status: 401,
    message: "Error validating access token: Session has expired.",
    subcode: 463,
  },
  80007: {
    status: 429,
    message: "Rate limit issues",
    details: "The WhatsApp Business Account reached its rate limit.",
  },
  130429: {
    status: 429,
    message: "Rate limit hit",
    details: "Cloud API message throughput has been reached.",
  },
  131000: { status: 500, message: "Something went wrong" },
  131026: {
    status: 400,
    message: "Message undeliverable",
    details: "Unable to deliver message. The recipient may not be a WhatsApp user.",
  },
  131047: {
    status: 400,
    message: "Re-engagement message",
    details: "More than 24 hours have passed since the recipient last replied to the sender number.",
  },
  131049: {
    status: 400,
    message: "This message was not delivered to maintain healthy ecosystem engagement.",
  },
  131051: { status: 400, message: "Unsupported message type" },
  131053: { status: 400, message: "Media upload error" },
  131056: {
    status: 429,
    message: "(Business Account, Consumer Account) pair rate limit hit",
    details: "Too many messages sent from this phone number to the same phone number in a short period.",
  },
  132000: {
    status: 400,
    message: "Number of parameters does not match the expected number of params",
  },
  132012: { status: 400, message: "Parameter format does not match format in the created template" },
  132001: { status: 404, message: "Template name does not exist in the translation" },
  132015: { status: 400, message: "Template is Paused", details: "Template is paused due to low quality." },
  132016: {
    status: 400,
    message: "Template is Disabled",
    details: "Template has been paused too many times due to low quality and is now permanently disabled.",
  },
};

export function graphErrorBody(
  code: number,
  overrides: { message?: string; details?: string } = {},
  traceId = "",
) {
  const spec = GRAPH_ERRORS[code] ?? { status: 400, message: "Error" };
  const message = overrides.message ?? spec.message;
  const details = overrides.details ?? spec.details;
  return {
    status: spec.status,
    body: {
      error: {
        message: code === 190 || code === 100 ? message : `(#${code}) ${message}`,
        type: "OAuthException",
        code,
        ...(spec.subcode === undefined ? {} : { error_subcode: spec.subcode }),
        ...(details === undefined ? {} : { error_data: { messaging_product: "whatsapp", details } }),
        fbtrace_id: traceId,
      },
    },
  };
}
