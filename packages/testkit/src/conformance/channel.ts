import {
  type Channel,
  type ChannelDefinition,
  isReguaError,
  type OutboundMessage,
  type RawRequest,
  type ReguaErrorCode,
} from "@regua/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { TestContextOptions } from "../context.js";
import { ChannelEventSchema } from "../schemas.js";
import {
  captureError,
  explain,
  makeContext,
  type OptionsOrFactory,
  parseOptions,
  resolveOptions,
} from "./shared.js";

export interface SentForConformance {
  providerMessageId: string;
  message: OutboundMessage;
}

export interface ProviderErrorCase {
  /** The message to send; default the suite's message. */
  message?: OutboundMessage;
  /** The core code expected; default any régua error carrying a provider code. */
  expectCode?: ReguaErrorCode;
}

export interface ChannelConformanceOptions<TSchema extends z.ZodType, TFixture = undefined> {
  name: string;
  definition: ChannelDefinition<TSchema>;
  options: OptionsOrFactory<z.input<TSchema>, TFixture>;
  setup?: () => TFixture | Promise<TFixture>;
  teardown?: (fixture: TFixture) => void | Promise<void>;
  /** A message the provider accepts. Default: a template "regua_lembrete" (pt_BR) to +5511987654321. */
  message?: (fixture: TFixture) => OutboundMessage;
  /**
   * A genuine, signed webhook request as the provider would send it (a status for `sent`, or an
   * inbound reply). Required when the channel has a webhook; the suite forges and strips it.
   */
  webhookRequest?: (fixture: TFixture, sent: SentForConformance) => RawRequest | Promise<RawRequest>;
  /** Arranges for the provider to refuse the next send (and may name the message that triggers it). */
  providerError?: (
    fixture: TFixture,
  ) => ProviderErrorCase | undefined | Promise<ProviderErrorCase | undefined>;
  instanceId?: string;
  context?: Omit<TestContextOptions, "instanceId">;
  timeoutMs?: number;
}

export const DEFAULT_CONFORMANCE_MESSAGE: OutboundMessage = {
  actionKey: "conformance:invoice-1:step-d0:2026-03-15",
  to: "+5511987654321",
  template: {
    name: "regua_lembrete",
    language: "pt_BR",
    body: [
      { type: "text", text: "Maria" },
      { type: "currency", amount: { amountMinor: 12345, currency: "BRL" }, fallback: "R$ 123,45" },
    ],
  },
  preview: "Olá Maria, sua fatura de R$ 123,45 vence hoje.",
};

/**
 * The suite every channel runs: send returns a provider id, webhooks reject forged and unsigned
 * requests and parse genuine ones into canonical events, a positive rate limit, and provider
 * errors surfacing as core errors with the provider's code.
 */
export function describeChannelConformance<TSchema extends z.ZodType, TFixture = undefined>(
  suite: ChannelConformanceOptions<TSchema, TFixture>,
): void {
  const timeout = suite.timeoutMs ?? 30_000;
  const where = `channel ${suite.definition.id}`;

  describe(`channel conformance: ${suite.name}`, () => {
    let fixture: TFixture;
    let channel: Channel;
    let sent: SentForConformance | undefined;
    const message = () => (suite.message ? suite.message(fixture) : DEFAULT_CONFORMANCE_MESSAGE);

    beforeAll(async () => {
      fixture = (suite.setup ? await suite.setup() : undefined) as TFixture;
      const options = parseOptions(
        suite.definition.optionsSchema,
        resolveOptions(suite.options, fixture),
        where,
      );
      channel = await suite.definition.create(
        options,
        makeContext(suite.instanceId ?? "conformance", suite.context),
      );
    }, timeout);

    afterAll(async () => {
      await channel?.close();
      if (suite.teardown) await suite.teardown(fixture);
    }, timeout);

    it("declares a positive rate limit and honest capabilities", () => {
      expect(channel.rateLimit.perSecond).toBeGreaterThan(0);
      expect(Number.isFinite(channel.rateLimit.perSecond)).toBe(true);
      if (channel.capabilities.statuses || channel.capabilities.inbound) {
        expect(typeof channel.webhook?.verify, "statuses/inbound need a webhook").toBe("function");
        expect(typeof channel.webhook?.parse, "statuses/inbound need a webhook").toBe("function");
      }
    });

    it("sends and returns a provider message id", { timeout }, async () => {
      const outbound = message();
      const result = await channel.send(outbound);
      expect(typeof result.providerMessageId).toBe("string");
      expect(result.providerMessageId.length).toBeGreaterThan(0);
      sent = { providerMessageId: result.providerMessageId, message: outbound };
    });

    it("webhook: rejects forged and unsigned requests, parses a genuine one", { timeout }, async (ctx) => {
      if (!channel.webhook) return ctx.skip("no webhook");
      expect(suite.webhookRequest, "webhookRequest is required for a channel with a webhook").toBeDefined();
      expect(sent, "the send test ran first").toBeDefined();
      const genuine = await suite.webhookRequest!(fixture, sent!);
      const forged: RawRequest = { ...genuine, rawBody: Buffer.concat([genuine.rawBody, Buffer.from(" ")]) };
      const unsigned: RawRequest = {
        ...genuine,
        headers: { "content-type": "application/json" },
        query: {},
      };
      expect(channel.webhook.verify(forged), "a body changed after signing").toBe(false);
      expect(channel.webhook.verify(unsigned), "a request without its signature").toBe(false);
      expect(channel.webhook.verify(genuine), "the genuine request").toBe(true);
      const events = channel.webhook.parse(genuine);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        const parsed = ChannelEventSchema.safeParse(event);
        expect(parsed.error?.issues ?? [], JSON.stringify(event)).toEqual([]);
      }
    });

    it("surfaces a provider error as a core error with the provider's code", { timeout }, async (ctx) => {
      if (!suite.providerError) return ctx.skip("no providerError hook");
      const failure = (await suite.providerError(fixture)) ?? {};
      const error = await captureError(() => channel.send(failure.message ?? message()));
      expect(isReguaError(error), explain(error)).toBe(true);
      if (!isReguaError(error)) return;
      if (failure.expectCode) expect(error.code, explain(error)).toBe(failure.expectCode);
      expect(error.provider?.system, explain(error)).toBeTruthy();
      expect(error.provider?.code, explain(error)).toBeDefined();
    });
  });
}
