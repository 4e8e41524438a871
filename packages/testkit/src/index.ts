export { axiosTransport } from "@regua/connector-kit";
export { MemoryKeyValueState } from "@regua/core";
export type {
  ChannelConformanceOptions,
  ProviderErrorCase,
  SentForConformance,
} from "./conformance/channel.js";
export { DEFAULT_CONFORMANCE_MESSAGE, describeChannelConformance } from "./conformance/channel.js";
export type { ChannelHarness } from "./conformance/channel-suites/harness.js";
export { defineChannelSuite } from "./conformance/channel-suites/harness.js";
export {
  CHANNEL_SUITES,
  channelCapabilitiesSuite,
  channelErrorMappingSuite,
  channelHealthSuite,
  defaultChannelSuites,
  sendSuite,
  webhookSuite,
} from "./conformance/channel-suites/index.js";
export type { ConnectorConformanceOptions, HeldIds } from "./conformance/connector.js";
export { describeConnectorConformance } from "./conformance/connector.js";
export type { ConnectorHarness, ListedRecord } from "./conformance/connector-suites/harness.js";
export { defineConnectorSuite } from "./conformance/connector-suites/harness.js";
export {
  CONNECTOR_SUITES,
  capabilitiesSuite,
  defaultConnectorSuites,
  deletionsSuite,
  documentsSuite,
  errorMappingSuite,
  getInvoiceSuite,
  healthSuite,
  listSuite,
  lookupsSuite,
  resumeSuite,
  writeBackIdempotencySuite,
} from "./conformance/connector-suites/index.js";
export type { OptionsOrFactory } from "./conformance/shared.js";
export type {
  ConformanceSuite,
  DisableTests,
  SuiteConfig,
  SuiteFactory,
  SuiteTest,
} from "./conformance/suite.js";
export type { TestContextOptions } from "./context.js";
export { createTestContext } from "./context.js";
export { JumpingClock, openPolicy } from "./cycle.js";
export type { MemoryChannel, MemoryChannelOptions, SentMessage } from "./memory-channel.js";
export {
  createMemoryChannel,
  MEMORY_SIGNATURE_HEADER,
  MemoryChannelOptionsSchema,
} from "./memory-channel.js";
export type {
  MemoryConnector,
  MemoryConnectorConfig,
  MemoryConnectorData,
  MemoryConnectorOptions,
  MemoryRecord,
  WrittenActivity,
} from "./memory-connector.js";
export { createMemoryConnector, MemoryConnectorOptionsSchema } from "./memory-connector.js";
export { allItems, collectPages, failureOf } from "./pages.js";
export { ChannelEventSchema, HealthSchema } from "./schemas.js";
