import { defineConnector } from "@regua/core";
import { CAPABILITIES, createQuickBooksConnector } from "./connector.js";
import { QuickBooksOptions } from "./options.js";

export { authorizationUrl, type StoredTokens, tokenKey } from "./auth.js";
export { connectQuickBooks } from "./connect.js";
export type { QuickBooksOptions, QuickBooksOptionsInput } from "./options.js";

/** QuickBooks Online through the v3 accounting API. */
export default defineConnector({
  id: "@regua/connector-quickbooks",
  displayName: "QuickBooks Online",
  capabilities: CAPABILITIES,
  optionsSchema: QuickBooksOptions,
  create: (options, ctx) => createQuickBooksConnector(options, ctx),
});
