import { createHmac, timingSafeEqual } from "node:crypto";
import {
  type Channel,
  type ChannelCapabilities,
  type ChannelDefinition,
  type ChannelEvent,
  type Clock,
  classifyReply,
  type DeliveryStatus,
  defineChannel,
  type OutboundMessage,
  type RawRequest,
  systemClock,
} from "@regua/core";
import { z } from "zod";
import { ChannelEventSchema } from "./schemas.js";

export interface MemoryChannelOptions {
  /** The definition id. Default "@regua/testkit/memory-channel". */
  id?: string;
  /**
   * Declared rate limit. Default 1,000 a second: the engine's gate bursts a tenth of a second of
   * it, so a test whose ManualClock never moves can still dispatch a hundred messages at once.
   */
  perSecond?: number;
  capabilities?: Partial<ChannelCapabilities>;
  /** Signs the webhook requests the handle builds. Default "memory-channel-secret". */
  webhookSecret?: string;
  /** Stamps sends and events. Default: the system clock. */
  clock?: Clock;
}

export const MemoryChannelOptionsSchema = z.object({});

export interface SentMessage {
  providerMessageId: string;
  message: OutboundMessage;
  at: string;
}

export const MEMORY_SIGNATURE_HEADER = "x-memory-signature";

export interface MemoryChannel {
  definition: ChannelDefinition<typeof MemoryChannelOptionsSchema>;
  /** Every accepted send, in order. */
  readonly sent: readonly SentMessage[];
  /** Every send fails with `error` until `failWith(null)`. */
  failWith(error: Error | null): void;
  /** The next `times` sends fail with `error`. */
  failNext(error: Error, times?: number): void;
  /** A delivery status for a sent message: the canonical event plus the signed webhook carrying it. */
  emitStatus(
    providerMessageId: string,
    status: DeliveryStatus,
    error?: { code: string; message: string },
  ): { event: ChannelEvent; request: RawRequest };
  /** An inbound reply from `from` (E.164): the canonical event plus the signed webhook carrying it. */
  emitInbound(from: string, text: string, replyTo?: string): { event: ChannelEvent; request: RawRequest };
  /** Called with every event emitted through the handle. Returns an unsubscribe function. */
  subscribe(listener: (event: ChannelEvent) => void): () => void;
}

const DEFAULT_CAPABILITIES: ChannelCapabilities = {
  templates: true,
  freeText: true,
  documents: true,
  statuses: true,
  inbound: true,
};

const WebhookBody = z.object({ events: z.array(ChannelEventSchema) });

/**
 * An in-memory channel: records every send, fails on demand with whatever core error a test
 * needs, and emits status/inbound events as HMAC-signed webhook requests its own `webhook`
 * verifies and parses, so the events path is exercised like a real channel's.
 */
export function createMemoryChannel(options: MemoryChannelOptions = {}): MemoryChannel {
  const clock = options.clock ?? systemClock;
  const secret = options.webhookSecret ?? "memory-channel-secret";
  const capabilities = { ...DEFAULT_CAPABILITIES, ...options.capabilities };
  const sent: SentMessage[] = [];
  const listeners = new Set<(event: ChannelEvent) => void>();
  const queued: { error: Error; remaining: number }[] = [];
  let standing: Error | null = null;
  let eventCount = 0;

  const sign = (body: Buffer) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

  const toRequest = (event: ChannelEvent): RawRequest => {
    const rawBody = Buffer.from(JSON.stringify({ events: [event] }));
    return {
      method: "POST",
      path: "/webhooks/memory",
      headers: { "content-type": "application/json", [MEMORY_SIGNATURE_HEADER]: sign(rawBody) },
      query: {},
      rawBody,
    };
  };

  const emit = (event: ChannelEvent) => {
    for (const listener of listeners) listener(event);
    return { event, request: toRequest(event) };
  };

  const definition = defineChannel({
    id: options.id ?? "@regua/testkit/memory-channel",
    displayName: "In-memory channel (testkit)",
    capabilities,
    optionsSchema: MemoryChannelOptionsSchema,
    create(): Channel {
      return {
        capabilities,
        rateLimit: { perSecond: options.perSecond ?? 1_000 },
        async send(message) {
          const next = queued[0];
          if (next) {
            next.remaining -= 1;
            if (next.remaining <= 0) queued.shift();
            throw next.error;
          }
          if (standing) throw standing;
          const providerMessageId = `mem-${sent.length + 1}`;
          sent.push({ providerMessageId, message: structuredClone(message), at: clock.now().toISOString() });
          return { providerMessageId };
        },
        webhook: {
          verify(req) {
            const header = req.headers[MEMORY_SIGNATURE_HEADER];
            if (typeof header !== "string") return false;
            const expected = Buffer.from(sign(req.rawBody));
            const given = Buffer.from(header);
            return expected.length === given.length && timingSafeEqual(expected, given);
          },
          parse(req) {
            return WebhookBody.parse(JSON.parse(req.rawBody.toString("utf8"))).events;
          },
        },
        async healthCheck() {
          return { ok: true, detail: "memory channel", latencyMs: 0 };
        },
        async close() {},
      };
    },
  });

  return {
    definition,
    sent,
    failWith(error) {
      standing = error;
    },
    failNext(error, times = 1) {
      queued.push({ error, remaining: times });
    },
    emitStatus(providerMessageId, status, error) {
      const original = sent.find((s) => s.providerMessageId === providerMessageId);
      return emit({
        kind: "status",
        eventId: `mem-evt-${++eventCount}`,
        providerMessageId,
        status,
        at: clock.now().toISOString(),
        actionKey: original?.message.actionKey ?? null,
        recipient: original?.message.to ?? null,
        error: error ?? null,
      });
    },
    emitInbound(from, text, replyTo) {
      return emit({
        kind: "inbound",
        eventId: `mem-evt-${++eventCount}`,
        providerMessageId: `mem-in-${eventCount}`,
        from,
        at: clock.now().toISOString(),
        text,
        intent: classifyReply(text),
        replyTo: replyTo ?? null,
      });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
