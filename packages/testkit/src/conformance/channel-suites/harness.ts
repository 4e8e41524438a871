import type { Channel, ChannelCapabilities, OutboundMessage, PluginContext, RawRequest } from "@regua/core";
import type { z } from "zod";
import type { ChannelConformanceOptions, ProviderErrorCase, SentForConformance } from "../channel.js";
import { DEFAULT_CONFORMANCE_MESSAGE } from "../default-message.js";
import { makeContext, parseOptions, resolveOptions } from "../shared.js";
import { defineSuite, type SuiteFactory, type SuiteTest } from "../suite.js";

/** What a channel suite sees: the live instance, its declared capabilities and the test's hooks. */
export interface ChannelHarness {
  readonly where: string;
  /** Declared by the definition, so known before the instance exists (skips read these). */
  readonly capabilities: ChannelCapabilities;
  /** The instance built in beforeAll. */
  channel(): Channel;
  /** The message the provider accepts. */
  message(): OutboundMessage;
  /** Sends `message()` once and shares the result between the suites that need a sent message. */
  sendOnce(): Promise<SentForConformance>;
  /** Present when the test supplied `webhookRequest`. */
  readonly webhookRequest?: (sent: SentForConformance) => Promise<RawRequest>;
  /** Present when the test supplied `providerError`. */
  readonly providerError?: () => Promise<ProviderErrorCase>;
}

/** Declares a channel suite: `export const fooSuite = defineChannelSuite("foo", { key: {...} })`. */
export function defineChannelSuite<K extends string>(
  name: string,
  tests: Record<K, SuiteTest<ChannelHarness>>,
): SuiteFactory<ChannelHarness, K> {
  return defineSuite<ChannelHarness, K>(name, tests);
}

export interface LiveChannelHarness {
  harness: ChannelHarness;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createChannelHarness<TSchema extends z.ZodType, TFixture>(
  suite: ChannelConformanceOptions<TSchema, TFixture>,
): LiveChannelHarness {
  const where = `channel ${suite.definition.id}`;
  const context: PluginContext = makeContext(suite.instanceId ?? "conformance", suite.context);
  const state: { fixture?: TFixture; channel?: Channel; sent?: Promise<SentForConformance> } = {};
  const fixture = () => state.fixture as TFixture;
  const channel = () => {
    if (!state.channel) throw new Error(`${where}: the channel was not created (see beforeAll)`);
    return state.channel;
  };
  const message = () => (suite.message ? suite.message(fixture()) : DEFAULT_CONFORMANCE_MESSAGE);
  const { webhookRequest, providerError } = suite;
  const harness: ChannelHarness = {
    where,
    capabilities: suite.definition.capabilities,
    channel,
    message,
    sendOnce() {
      const outbound = message();
      state.sent ??= channel()
        .send(outbound)
        .then((result) => ({ providerMessageId: result.providerMessageId, message: outbound }));
      return state.sent;
    },
    ...(webhookRequest
      ? { webhookRequest: async (sent: SentForConformance) => webhookRequest(fixture(), sent) }
      : {}),
    ...(providerError ? { providerError: async () => (await providerError(fixture())) ?? {} } : {}),
  };
  return {
    harness,
    async start() {
      state.fixture = (suite.setup ? await suite.setup() : undefined) as TFixture;
      const options = parseOptions(
        suite.definition.optionsSchema,
        resolveOptions(suite.options, fixture()),
        where,
      );
      state.channel = await suite.definition.create(options, context);
    },
    async stop() {
      await state.channel?.close();
      if (suite.teardown) await suite.teardown(fixture());
    },
  };
}
