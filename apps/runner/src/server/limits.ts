import { Transform } from "node:stream";
import type { FastifyReply, FastifyRequest, RequestPayload } from "fastify";

/** What one client may cost the server. Every field has a default sized for webhook traffic. */
export interface ServerLimits {
  /** The whole request, headers and body, must arrive within this (slow-body clients). */
  requestTimeoutMs: number;
  /** A socket with no traffic at all is closed after this. */
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Open connections beyond this are refused at accept. */
  maxConnections: number;
  /** Body limit for a webhook route; default per vendor (see WEBHOOK_BODY_BYTES). */
  webhookBodyBytes: number | null;
  /** Events a single webhook delivery may carry. */
  maxEventsPerRequest: number;
  /** Failed authentications (bad signature, bad token) per source address per minute before 429. */
  authFailuresPerMinute: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  requestTimeoutMs: 15_000,
  idleTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  webhookBodyBytes: null,
  // Meta batches at most 1,000 updates per notification
  // (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications).
  maxEventsPerRequest: 5_000,
  authFailuresPerMinute: 30,
};

/**
 * Webhook bodies are small: Meta documents WhatsApp notification payloads of up to 3 MB
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/components). Anything else
 * (ERP pushes, the memory channel) gets 1 MiB unless the operator raises it.
 */
const WEBHOOK_BODY_BYTES: Record<string, number> = { "@regua/channel-whatsapp": 3 * 1024 * 1024 };
const OTHER_WEBHOOK_BODY_BYTES = 1024 * 1024;
/** GET routes and the admin API take no body worth the name. */
export const SMALL_BODY_BYTES = 16 * 1024;

export function webhookBodyLimit(limits: ServerLimits, packageName: string): number {
  return limits.webhookBodyBytes ?? WEBHOOK_BODY_BYTES[packageName] ?? OTHER_WEBHOOK_BODY_BYTES;
}

/** The largest per-plugin limit: fastify's own cap on the webhook route, under limitBody's. */
export function maxWebhookBodyLimit(limits: ServerLimits): number {
  return limits.webhookBodyBytes ?? Math.max(OTHER_WEBHOOK_BODY_BYTES, ...Object.values(WEBHOOK_BODY_BYTES));
}

/** Node's own timeouts; requests are checked every second so a slow client is cut promptly. */
export function httpServerOptions(limits: ServerLimits) {
  return {
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    http: {
      requestTimeout: limits.requestTimeoutMs,
      headersTimeout: Math.min(limits.requestTimeoutMs, 10_000),
      connectionsCheckingInterval: 1_000,
    },
  };
}

export class BodyTooLarge extends Error {
  readonly statusCode = 413;
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/**
 * Applies `limit` before the body is read: a declared Content-Length over it is answered 413
 * at once (Node then discards the rest of the body, so the client reads the 413 instead of a
 * reset); a chunked body is counted as it streams and stopped at the limit.
 */
export function limitBody(
  req: FastifyRequest,
  reply: FastifyReply,
  payload: RequestPayload,
  limit: number,
  onReject: () => void,
): RequestPayload | undefined {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    onReject();
    void reply.code(413).send({ error: `body larger than ${limit} bytes` });
    return undefined;
  }
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) {
        onReject();
        callback(new BodyTooLarge(limit));
        return;
      }
      callback(null, chunk);
    },
  });
  return payload.pipe(counter);
}
