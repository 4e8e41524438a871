import { E164, IsoDateTime } from "@regua/core";
import { z } from "zod";

/**
 * zod mirrors of core's TypeScript-only contract shapes, so the conformance suites (and the
 * memory channel's webhook parser) can check what a plugin hands the engine.
 */
export const DeliveryStatusSchema = z.enum(["sent", "delivered", "read", "failed"]);

export const ChannelEventSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("status"),
    eventId: z.string().min(1),
    providerMessageId: z.string().min(1),
    status: DeliveryStatusSchema,
    at: IsoDateTime,
    actionKey: z.string().nullable(),
    recipient: E164.nullable(),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
  z.object({
    kind: z.literal("inbound"),
    eventId: z.string().min(1),
    providerMessageId: z.string().min(1),
    from: E164,
    at: IsoDateTime,
    text: z.string(),
    intent: z.enum(["opt_out", "already_paid", "talk_to_human", "other"]),
    replyTo: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("template_status"),
    eventId: z.string().min(1),
    at: IsoDateTime,
    template: z.object({
      name: z.string().min(1),
      language: z.string().min(2),
      providerId: z.string().nullable(),
    }),
    status: z.enum(["approved", "flagged", "paused", "disabled", "rejected", "pending", "deleted"]),
    providerEvent: z.string().min(1),
    reason: z.string().nullable(),
    detail: z.string().nullable(),
  }),
  z.object({
    kind: z.literal("channel_quality"),
    eventId: z.string().min(1),
    at: IsoDateTime,
    change: z.enum(["downgrade", "flagged", "upgrade", "unflagged", "other"]),
    providerEvent: z.string().min(1),
    phoneNumber: z.string().nullable(),
    limit: z.string().nullable(),
    previousLimit: z.string().nullable(),
    dailyRecipients: z.number().int().positive().nullable(),
  }),
]);

export const HealthSchema = z.object({
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.number().nonnegative().optional(),
});
