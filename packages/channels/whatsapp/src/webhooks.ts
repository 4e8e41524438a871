import { constantTimeEqual, headerOf, hmacSha256Matches } from "@regua/connector-kit";
import { type ChannelEvent, fromZodError, type RawRequest, type RawResponse } from "@regua/core";
import type { z } from "zod";
import { type EntryContext, qualityUpdateToEvent, templateStatusToEvent } from "./account.js";
import { inboundToEvent, statusToEvent } from "./map.js";
import {
  PhoneNumberQualityUpdateSchema,
  TemplateStatusUpdateSchema,
  WebhookPayloadSchema,
} from "./schemas.js";

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

/** Which account events belong to this channel: its WABA (entry.id) and its display number. */
export interface NotificationScope {
  phoneNumberId: string;
  wabaId?: string | undefined;
  displayPhoneNumber?: string | undefined;
  /** When the webhook arrived: the time of an account event whose entry has no `time`. */
  receivedAt: Date;
}

/**
 * Statuses and inbound messages of this phone number, and the account events (template status,
 * phone number quality) of its WhatsApp Business Account, in payload order. Another number or
 * account of the same app (a shared webhook) is ignored. Throws a ValidationError on a payload
 * that is not Meta's shape.
 */
export function parseNotification(req: RawRequest, scope: NotificationScope): ChannelEvent[] {
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
      if (change.field === "messages") {
        events.push(...messageEvents(change.value, scope.phoneNumberId));
        continue;
      }
      if (scope.wabaId !== undefined && entry.id !== scope.wabaId) continue;
      const at = entry.time === undefined ? scope.receivedAt : new Date(entry.time * 1000);
      const context = { accountId: entry.id, at: at.toISOString(), time: String(entry.time ?? "-") };
      const event = accountEvent(change.field, change.value, context, scope);
      if (event) events.push(event);
    }
  }
  return events;
}

function messageEvents(
  value: z.output<typeof WebhookPayloadSchema>["entry"][number]["changes"][number]["value"],
  phoneNumberId: string,
): ChannelEvent[] {
  const { metadata, statuses, messages } = value;
  if (metadata && metadata.phone_number_id !== phoneNumberId) return [];
  const events: ChannelEvent[] = [];
  for (const status of statuses ?? []) {
    const event = statusToEvent(status);
    if (event) events.push(event);
  }
  for (const message of messages ?? []) events.push(inboundToEvent(message));
  return events;
}

/** A field this channel does not act on (account_update, security, …) is skipped, not refused. */
function accountEvent(
  field: string,
  value: unknown,
  context: EntryContext,
  scope: NotificationScope,
): ChannelEvent | null {
  if (field === "message_template_status_update") {
    return templateStatusToEvent(parseValue(TemplateStatusUpdateSchema, value, field), context);
  }
  if (field === "phone_number_quality_update") {
    const update = parseValue(PhoneNumberQualityUpdateSchema, value, field);
    const number = update.display_phone_number?.replace(/\D/g, "");
    if (scope.displayPhoneNumber !== undefined && number !== undefined && number !== scope.displayPhoneNumber)
      return null;
    return qualityUpdateToEvent(update, context);
  }
  return null;
}

function parseValue<T extends z.ZodType>(schema: T, value: unknown, field: string): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw fromZodError(parsed.error, `WhatsApp webhook ${field}`);
  return parsed.data;
}
