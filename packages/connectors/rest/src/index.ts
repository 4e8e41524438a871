import { defineConnector } from "@regua/core";
import { createRestConnector } from "./connector.js";
import { RestConnectorOptions } from "./options.js";

/** @regua/connector-rest: any REST/JSON ERP, declared in config (see README). */
export default defineConnector({
  id: "@regua/connector-rest",
  displayName: "REST/JSON ERP",
  // Each instance has what its options configure (a payments resource, getInvoice, activities, webhook).
  capabilities: { payments: "options", getInvoice: "options", writeActivity: "options", webhooks: "options" },
  optionsSchema: RestConnectorOptions,
  create: createRestConnector,
});

// The public surface beside the definition: the options' types and the fake REST ERP preset.
export type { RestConnectorOptions, RestConnectorOptionsInput } from "./options.js";
export { restErpPreset } from "./preset.js";
