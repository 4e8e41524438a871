export type { WebhookDelivery } from "./delivery.js";
export { GRAPH_ERRORS } from "./errors.js";
export {
  type FakeGraphApi,
  type FakeGraphApiOptions,
  type InjectOptions,
  type SentMessage,
  startFakeGraphApi,
  type UploadedMedia,
} from "./server.js";
export { DEFAULT_TEMPLATES, type FakeTemplate, type FakeTemplateButton } from "./templates.js";
