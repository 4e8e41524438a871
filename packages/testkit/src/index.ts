export type {
  ChannelConformanceOptions,
  ProviderErrorCase,
  SentForConformance,
} from "./conformance/channel.js";
export { DEFAULT_CONFORMANCE_MESSAGE, describeChannelConformance } from "./conformance/channel.js";
export type { ConnectorConformanceOptions } from "./conformance/connector.js";
export { describeConnectorConformance } from "./conformance/connector.js";
export type { OptionsOrFactory } from "./conformance/shared.js";
export type { TestContextOptions } from "./context.js";
export { axiosTransport, createTestContext, MemoryKeyValueState } from "./context.js";
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
export { ChannelEventSchema, HealthSchema } from "./schemas.js";
