import { defineConnector } from "@regua/core";
import { CAPABILITIES, createOdooConnector } from "./connector.js";
import { OdooOptions } from "./options.js";

export type { OdooOptions, OdooOptionsInput } from "./options.js";

/** Odoo 16–18 over XML-RPC, 19+ over the JSON-2 API (chosen by option or from /web/version). */
export default defineConnector({
  id: "@regua/connector-odoo",
  displayName: "Odoo",
  capabilities: CAPABILITIES,
  optionsSchema: OdooOptions,
  create: (options, ctx) => createOdooConnector(options, ctx),
});
