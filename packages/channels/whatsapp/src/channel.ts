import {
  type Channel,
  deliveryIssueOf,
  E164,
  isReguaError,
  type OutboundMessage,
  type PluginContext,
  type Problem,
  RecipientError,
  type TemplateMessage,
  ValidationError,
} from "@regua/core";
import { GraphClient } from "./client.js";
import { toGraphSendBody } from "./map.js";
import type { WhatsAppOptions } from "./schemas.js";
import { templateProblems } from "./templates.js";
import { handshake, parseNotification, verifySignature } from "./webhooks.js";
import { ServiceWindow } from "./window.js";

export interface WhatsAppChannel extends Channel {
  /**
   * Uploads a document (a boleto PDF, a statement) and returns the media id to put in
   * `DocumentRef.mediaId`. Meta keeps uploaded media for 30 days.
   */
  uploadMedia(file: Uint8Array, options: { filename: string; mimeType?: string }): Promise<string>;
}

export function createWhatsAppChannel(options: WhatsAppOptions, ctx: PluginContext): WhatsAppChannel {
  const client = new GraphClient(options, ctx);
  const serviceWindow = new ServiceWindow(ctx.state, ctx.clock, ctx.log);
  const log = ctx.log.child({ channel: "whatsapp", phoneNumberId: options.phoneNumberId });

  function assertSendable(message: OutboundMessage): void {
    if (!E164.safeParse(message.to).success) {
      throw new ValidationError(`WhatsApp: "${message.to}" is not an E.164 number`, [
        { path: "to", message: "must be E.164" },
      ]);
    }
    if (
      !message.template &&
      message.text === undefined &&
      message.document === undefined &&
      message.interactive === undefined
    ) {
      throw new ValidationError(
        "WhatsApp: a message needs a template, a text, a document or buttons/a list",
        [{ path: "template", message: "required" }],
      );
    }
  }

  /**
   * A document given as bytes is uploaded first and sent by its media id
   * (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media).
   */
  async function withUploadedDocument(message: OutboundMessage): Promise<OutboundMessage> {
    const document = message.document;
    if (!document?.upload || document.mediaId || document.link) return message;
    const { upload, ...rest } = document;
    const mediaId = await client.uploadMedia(upload.bytes, upload.mime, document.filename);
    return { ...message, document: { ...rest, mediaId } };
  }

  async function post(message: OutboundMessage): Promise<{ providerMessageId: string }> {
    const body = toGraphSendBody(await withUploadedDocument(message), options.defaultLanguage);
    const providerMessageId = await client.sendMessage(body, message.to);
    log.debug(
      { actionKey: message.actionKey, providerMessageId, type: body.type },
      "whatsapp message accepted",
    );
    return { providerMessageId };
  }

  /**
   * Free-form messages are only allowed within 24 hours of the customer's last message
   * (https://developers.facebook.com/docs/whatsapp/cloud-api/guides/send-messages#customer-service-windows).
   * Outside it the configured template goes instead; without one the message fails as
   * window_closed. The free-form message itself is never tried again.
   */
  async function sendAsTemplate(
    message: OutboundMessage,
    why: string,
  ): Promise<{ providerMessageId: string }> {
    const fallback = options.windowClosedTemplate;
    if (!fallback) {
      throw new RecipientError(
        "window_closed",
        `WhatsApp: cannot send free-form to ${message.to}: ${why}, and no windowClosedTemplate is configured`,
        { provider: { system: "whatsapp", code: 131047, message: why } },
      );
    }
    const language = fallback.language ?? options.defaultLanguage;
    log.info(
      { actionKey: message.actionKey, template: fallback.name, why },
      "window closed: sending the template",
    );
    const { text: _freeText, interactive: _buttons, ...rest } = message;
    return post({ ...rest, template: { name: fallback.name, language, body: [] } });
  }

  async function sendFreeForm(message: OutboundMessage): Promise<{ providerMessageId: string }> {
    if (!(await serviceWindow.isOpen(message.to))) {
      return sendAsTemplate(message, "the customer has not written in the last 24 hours");
    }
    try {
      return await post(message);
    } catch (error) {
      if (deliveryIssueOf(error)?.issue !== "window_closed") throw error;
      serviceWindow.close(message.to);
      return sendAsTemplate(message, "Meta answered 131047 (re-engagement message)");
    }
  }

  return {
    capabilities: {
      templates: true,
      freeText: true,
      documents: true,
      statuses: true,
      inbound: true,
      interactive: true,
    },
    rateLimit: { perSecond: options.tier.perSecond },

    async send(message) {
      assertSendable(message);
      return message.template ? post(message) : sendFreeForm(message);
    },

    async checkTemplate(template: TemplateMessage): Promise<Problem[]> {
      if (!options.wabaId) return [];
      return templateProblems(template, await client.listTemplates(options.wabaId, template.name));
    },

    uploadMedia(file, { filename, mimeType = "application/pdf" }) {
      return client.uploadMedia(file, mimeType, filename);
    },

    webhook: {
      handshake: (req) => handshake(req, options.verifyToken),
      verify: (req) => verifySignature(req, options.appSecret),
      parse(req) {
        const events = parseNotification(req, {
          phoneNumberId: options.phoneNumberId,
          wabaId: options.wabaId,
          displayPhoneNumber: options.displayPhoneNumber,
          receivedAt: ctx.clock.now(),
        });
        for (const event of events) {
          if (event.kind === "inbound") serviceWindow.record(event.from, event.at);
          // Meta accepts free-form outside the window and fails it afterwards with 131047.
          else if (event.kind === "status" && event.error?.issue === "window_closed" && event.recipient)
            serviceWindow.close(event.recipient);
        }
        return events;
      },
    },

    async healthCheck() {
      const started = ctx.clock.now().getTime();
      try {
        const info = await client.phoneNumberInfo();
        const latencyMs = ctx.clock.now().getTime() - started;
        const name = info.verified_name ?? info.display_phone_number ?? info.id;
        return { ok: true, detail: `${name} (quality ${info.quality_rating ?? "unknown"})`, latencyMs };
      } catch (error) {
        return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
      }
    },

    async close() {},
  };
}
