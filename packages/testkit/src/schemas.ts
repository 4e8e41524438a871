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
]);

export const HealthSchema = z.object({
  ok: z.boolean(),
  detail: z.string(),
  latencyMs: z.number().nonnegative().optional(),
});
