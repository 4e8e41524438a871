import type { ChannelDefinition, OutboundMessage, RawRequest, ReguaErrorCode } from "@regua/core";
import { afterAll, beforeAll, describe } from "vitest";
import type { z } from "zod";
import type { TestContextOptions } from "../context.js";
import { type ChannelHarness, createChannelHarness } from "./channel-suites/harness.js";
import { CHANNEL_SUITES, defaultChannelSuites } from "./channel-suites/index.js";
import type { OptionsOrFactory } from "./shared.js";
import { assertComplete, type ConformanceSuite, registerSuites } from "./suite.js";

export { DEFAULT_CONFORMANCE_MESSAGE } from "./default-message.js";

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
  /**
   * The suites to run, each with its opt-outs and their reasons:
   * `[webhookSuite({ disable: { ALL: "the provider signs nothing" } }), ...]`.
   * Default: every standard suite. Leaving a standard suite out is an error.
   */
  suites?: readonly ConformanceSuite<ChannelHarness>[];
  instanceId?: string;
  context?: Omit<TestContextOptions, "instanceId">;
  timeoutMs?: number;
}

/**
 * Runs the conformance suites against one channel: a finite rate and honest capabilities,
 * health, sends that return a provider id, webhooks that reject forged and unsigned requests
 * and parse genuine ones into canonical events, and provider errors as core errors.
 */
export function describeChannelConformance<TSchema extends z.ZodType, TFixture = undefined>(
  suite: ChannelConformanceOptions<TSchema, TFixture>,
): void {
  const timeout = suite.timeoutMs ?? 30_000;
  const suites = suite.suites ?? defaultChannelSuites();
  assertComplete(`channel conformance ${suite.name}`, suites, CHANNEL_SUITES);
  const live = createChannelHarness(suite);

  describe(`channel conformance: ${suite.name}`, () => {
    beforeAll(() => live.start(), timeout);
    afterAll(() => live.stop(), timeout);
    registerSuites(suites, live.harness, timeout);
  });
}
