export type { WebhookDelivery } from "./delivery.js";
export { GRAPH_ERRORS } from "./errors.js";
export { startFakeGraphApi } from "./server.js";
export { DEFAULT_TEMPLATES, type FakeTemplate, type FakeTemplateButton } from "./templates.js";
export type {
  FakeGraphApi,
  FakeGraphApiOptions,
  InjectOptions,
  QualityEvent,
  SentMessage,
  Tapped,
  TemplateEvent,
  UploadedMedia,
} from "./types.js";
