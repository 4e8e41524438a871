import { constantTimeEqual, headerOf, hmacSha256Matches } from "@regua/connector-kit";
import { type ChannelEvent, fromZodError, type RawRequest, type RawResponse } from "@regua/core";
import { inboundToEvent, statusToEvent } from "./map.js";
import { WebhookPayloadSchema } from "./schemas.js";

/**
 * Webhooks: https://developers.facebook.com/docs/graph-api/webhooks/getting-started
 * GET = the subscription handshake, POST = signed notifications (`X-Hub-Signature-256`).
 */

/** `hub.mode=subscribe` with our verify token → 200 and the challenge; any other handshake → 403. */
export function handshake(req: RawRequest, verifyToken: string | undefined): RawResponse | null {
  if (req.method.toUpperCase() !== "GET" || req.query["hub.mode"] === undefined) return null;
  const token = req.query["hub.verify_token"];
  const challenge = req.query["hub.challenge"];
  const tokenMatches =
    verifyToken !== undefined &&
    token !== undefined &&
    constantTimeEqual(Buffer.from(token), Buffer.from(verifyToken));
  if (req.query["hub.mode"] !== "subscribe" || !tokenMatches || challenge === undefined) {
    return { status: 403, headers: { "content-type": "text/plain" }, body: "Forbidden" };
  }
  return { status: 200, headers: { "content-type": "text/plain" }, body: challenge };
}

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body keyed with the app secret>`. */
export function verifySignature(req: RawRequest, appSecret: string): boolean {
  return hmacSha256Matches(req.rawBody, headerOf(req, "x-hub-signature-256"), {
    secret: appSecret,
    encoding: "hex",
    prefix: "sha256=",
  });
}

/**
 * Statuses and inbound messages of this phone number, in payload order. Another number of the
 * same app (a shared webhook) is ignored. Throws a ValidationError on a payload that is not
 * Meta's shape.
 */
export function parseNotification(req: RawRequest, phoneNumberId: string): ChannelEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString("utf8"));
  } catch {
    json = undefined;
  }
  const parsed = WebhookPayloadSchema.safeParse(json);
  if (!parsed.success) throw fromZodError(parsed.error, "WhatsApp webhook");
  const events: ChannelEvent[] = [];
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const { metadata, statuses, messages } = change.value;
      if (metadata && metadata.phone_number_id !== phoneNumberId) continue;
      for (const status of statuses ?? []) {
        const event = statusToEvent(status);
        if (event) events.push(event);
      }
      for (const message of messages ?? []) events.push(inboundToEvent(message));
    }
  }
  return events;
}
