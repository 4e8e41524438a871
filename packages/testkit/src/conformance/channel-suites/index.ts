import type { ConformanceSuite } from "../suite.js";
import { channelCapabilitiesSuite } from "./capabilities.js";
import { channelErrorMappingSuite } from "./error-mapping.js";
import type { ChannelHarness } from "./harness.js";
import { channelHealthSuite, sendSuite } from "./send.js";
import { webhookSuite } from "./webhook.js";

export { channelCapabilitiesSuite, channelErrorMappingSuite, channelHealthSuite, sendSuite, webhookSuite };

/**
 * Every standard channel suite, in run order. A new suite is one file here plus one line in this
 * list; `describeChannelConformance` refuses a `suites` list that leaves one out.
 */
export const CHANNEL_SUITES = [
  channelCapabilitiesSuite,
  channelHealthSuite,
  sendSuite,
  webhookSuite,
  channelErrorMappingSuite,
] as const;

export function defaultChannelSuites(): ConformanceSuite<ChannelHarness>[] {
  return CHANNEL_SUITES.map((suite) => suite());
}
