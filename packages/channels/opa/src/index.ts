import { defineChannel } from "@regua/core";
import { CAPABILITIES, createOpaChannel } from "./channel.js";
import { OpaOptionsSchema } from "./schemas.js";

export type { OpaChannel } from "./channel.js";
export type { OpaOptions, OpaOptionsInput } from "./schemas.js";

/** `channel: "@regua/channel-opa"` in config: Opa! Suite, sending approved WhatsApp templates. */
export const opaChannel = defineChannel({
  id: "@regua/channel-opa",
  displayName: "Opa! Suite",
  capabilities: CAPABILITIES,
  optionsSchema: OpaOptionsSchema,
  create: createOpaChannel,
});

export default opaChannel;
