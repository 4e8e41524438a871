import { defineChannel } from "@regua/core";
import { createWhatsAppChannel } from "./channel.js";
import { WhatsAppOptionsSchema } from "./schemas.js";

export type { WhatsAppChannel } from "./channel.js";
export type { WhatsAppProviderDetail } from "./errors.js";
export type { WhatsAppOptions, WhatsAppOptionsInput } from "./schemas.js";

/** `channel: "@regua/channel-whatsapp"` in config: Meta's WhatsApp Business Cloud API. */
export const whatsappChannel = defineChannel({
  id: "@regua/channel-whatsapp",
  displayName: "WhatsApp Business Cloud API",
  capabilities: {
    templates: true,
    freeText: true,
    documents: true,
    statuses: true,
    inbound: true,
    interactive: true,
  },
  optionsSchema: WhatsAppOptionsSchema,
  create: createWhatsAppChannel,
});

export default whatsappChannel;
