import { defineConnector } from "@regua/core";
import { CAPABILITIES, createIxcConnector } from "./connector.js";
import { IxcOptions } from "./options.js";

export type { IxcOptions, IxcOptionsInput } from "./options.js";

/** IXC Provedor through its webservice (/webservice/v1). */
export default defineConnector({
  id: "@regua/connector-ixc",
  displayName: "IXC Provedor (webservice)",
  capabilities: CAPABILITIES,
  optionsSchema: IxcOptions,
  create: (options, ctx) => createIxcConnector(options, ctx),
});
