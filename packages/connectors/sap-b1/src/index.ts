import { defineConnector } from "@regua/core";
import { CAPABILITIES, createSapB1Connector } from "./connector.js";
import { SapB1Options } from "./options.js";

export type { SapB1Options, SapB1OptionsInput } from "./options.js";

/** SAP Business One through the Service Layer (/b1s/v1 or /b1s/v2). */
export default defineConnector({
  id: "@regua/connector-sap-b1",
  displayName: "SAP Business One (Service Layer)",
  capabilities: CAPABILITIES,
  optionsSchema: SapB1Options,
  create: (options, ctx) => createSapB1Connector(options, ctx),
});
