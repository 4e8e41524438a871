import {
  type ChannelEvent,
  currencyExponent,
  type DocumentRef,
  type InteractiveContent,
  type OutboundMessage,
  replyIntent,
  type TemplateMessage,
  type TemplateParameter,
} from "@regua/core";
import { deliveryIssue } from "./errors.js";
import type { InboundMessagePayload, StatusPayload } from "./schemas.js";

/**
 * Pure mapping between régua's canonical messages/events and the Graph API's payloads
 * (schemas in ../shared/specs/whatsapp/business-messaging-api_v23.0.yaml:
 * `#/components/schemas/Message`, `TemplateObject`, `ParameterObject`, `Statuses`).
 */

type GraphParameter =
  | { type: "text"; text: string; parameter_name?: string }
  | {
      type: "currency";
      currency: { fallback_value: string; code: string; amount_1000: number };
      parameter_name?: string;
    }
  | { type: "date_time"; date_time: { fallback_value: string }; parameter_name?: string }
  | { type: "document"; document: GraphMedia };
type GraphButtonParameter =
  | { type: "text"; text: string }
  | { type: "payload"; payload: string }
  | {
      type: "coupon_code";
      coupon_code: string;
    };
type GraphMedia = ({ id: string } | { link: string }) & { filename?: string; caption?: string };

export type GraphComponent =
  | { type: "header" | "body"; parameters: GraphParameter[] }
  | {
      type: "button";
      sub_type: "url" | "quick_reply" | "copy_code";
      index: string;
      parameters: GraphButtonParameter[];
    };

interface GraphBase {
  messaging_product: "whatsapp";
  recipient_type: "individual";
  /** The recipient's number without "+", as in Meta's examples. */
  to: string;
  /** Echoed in every status webhook: how a status reconciles to the action even after a crash. */
  biz_opaque_callback_data: string;
}
export type GraphSendBody =
  | (GraphBase & {
      type: "template";
      template: {
        name: string;
        language: { policy: "deterministic"; code: string };
        components?: GraphComponent[];
      };
    })
  | (GraphBase & { type: "text"; text: { body: string; preview_url: boolean } })
  | (GraphBase & { type: "interactive"; interactive: GraphInteractive })
  | (GraphBase & { type: "document"; document: GraphMedia });

/**
 * Reply buttons and lists (`#/components/schemas/InteractiveObject` and `ActionObject`;
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-list-messages).
 */
export type GraphInteractive =
  | {
      type: "button";
      body: { text: string };
      action: { buttons: { type: "reply"; reply: { id: string; title: string } }[] };
    }
  | {
      type: "list";
      body: { text: string };
      action: {
        button: string;
        sections: { title?: string; rows: { id: string; title: string; description?: string }[] }[];
      };
    };

export function toGraphInteractive(content: InteractiveContent): GraphInteractive {
  if (content.type === "buttons") {
    return {
      type: "button",
      body: { text: content.body },
      action: {
        buttons: content.buttons.map((b) => ({ type: "reply", reply: { id: b.id, title: b.title } })),
      },
    };
  }
  return {
    type: "list",
    body: { text: content.body },
    action: {
      button: content.button,
      sections: content.sections.map((section) => ({
        ...(section.title ? { title: section.title } : {}),
        rows: section.rows.map((row) => ({
          id: row.id,
          title: row.title,
          ...(row.description ? { description: row.description } : {}),
        })),
      })),
    },
  };
}

/** Meta caps biz_opaque_callback_data at 512 characters. */
const CALLBACK_DATA_MAX = 512;

export function toWhatsAppNumber(e164: string): string {
  return e164.replace(/^\+/, "");
}

export function fromWhatsAppNumber(waId: string): string {
  return waId.startsWith("+") ? waId : `+${waId}`;
}

export function toGraphSendBody(message: OutboundMessage, defaultLanguage: string): GraphSendBody {
  const base: GraphBase = {
    messaging_product: "whatsapp",
    recipient_type: "individual",
    to: toWhatsAppNumber(message.to),
    biz_opaque_callback_data: message.actionKey.slice(0, CALLBACK_DATA_MAX),
  };
  if (message.template) {
    const template = message.template;
    const components = toTemplateComponents(template, message.document);
    return {
      ...base,
      type: "template",
      template: {
        name: template.name,
        language: { policy: "deterministic", code: template.language || defaultLanguage },
        ...(components.length > 0 ? { components } : {}),
      },
    };
  }
  if (message.interactive) {
    return { ...base, type: "interactive", interactive: toGraphInteractive(message.interactive) };
  }
  if (message.document) {
    const caption = message.text ?? undefined;
    return {
      ...base,
      type: "document",
      document: { ...toGraphMedia(message.document), ...(caption ? { caption } : {}) },
    };
  }
  return { ...base, type: "text", text: { body: message.text ?? "", preview_url: false } };
}

export function toTemplateComponents(template: TemplateMessage, document?: DocumentRef): GraphComponent[] {
  const components: GraphComponent[] = [];
  const header = template.header ?? (document ? { type: "document" as const, document } : undefined);
  if (header?.type === "text" && header.parameters.length > 0) {
    components.push({ type: "header", parameters: header.parameters.map(toGraphParameter) });
  } else if (header?.type === "document") {
    components.push({
      type: "header",
      parameters: [{ type: "document", document: toGraphMedia(header.document) }],
    });
  }
  if (template.body.length > 0)
    components.push({ type: "body", parameters: template.body.map(toGraphParameter) });
  for (const button of template.buttons ?? []) {
    const parameter: GraphButtonParameter =
      button.subType === "url"
        ? { type: "text", text: button.parameter }
        : button.subType === "copy_code"
          ? { type: "coupon_code", coupon_code: button.parameter }
          : { type: "payload", payload: button.parameter };
    components.push({
      type: "button",
      sub_type: button.subType,
      index: String(button.index),
      parameters: [parameter],
    });
  }
  return components;
}

function toGraphParameter(parameter: TemplateParameter): GraphParameter {
  const name = parameter.name === undefined ? {} : { parameter_name: parameter.name };
  switch (parameter.type) {
    case "text":
      return { type: "text", text: parameter.text, ...name };
    case "currency":
      return {
        type: "currency",
        currency: {
          fallback_value: parameter.fallback,
          code: parameter.amount.currency,
          amount_1000: toAmount1000(parameter.amount.amountMinor, parameter.amount.currency),
        },
        ...name,
      };
    case "date_time":
      // Cloud API always renders fallback_value; the date itself is not sent.
      return { type: "date_time", date_time: { fallback_value: parameter.fallback }, ...name };
  }
}

/** `amount_1000` is the amount times 1000: R$ 123,45 (12345 minor units, exponent 2) → 123450. */
export function toAmount1000(amountMinor: number, currency: string): number {
  const exponent = currencyExponent(currency);
  return exponent <= 3 ? amountMinor * 10 ** (3 - exponent) : Math.round(amountMinor / 10 ** (exponent - 3));
}

function toGraphMedia(document: DocumentRef): GraphMedia {
  if (document.mediaId) return { id: document.mediaId, filename: document.filename };
  if (document.link) return { link: document.link, filename: document.filename };
  throw new TypeError("a document needs a link or a mediaId");
}

/* ------------------------------------------------------------------ events */

const DELIVERY_STATUSES = new Set(["sent", "delivered", "read", "failed"]);

function isoFromSeconds(seconds: string): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

/** null for statuses régua does not track (Meta's "deleted", "warning"). */
export function statusToEvent(status: StatusPayload): ChannelEvent | null {
  if (!DELIVERY_STATUSES.has(status.status)) return null;
  const first = status.errors?.[0];
  const error = first
    ? {
        code: String(first.code),
        message: [first.title, first.error_data?.details ?? first.message].filter(Boolean).join(": "),
        issue: deliveryIssue(first.code),
      }
    : null;
  const { pricing, conversation } = status;
  return {
    kind: "status",
    // The same status of the same message at the same second is one event, however often posted.
    eventId: `${status.id}:${status.status}:${status.timestamp}`,
    providerMessageId: status.id,
    status: status.status as "sent" | "delivered" | "read" | "failed",
    at: isoFromSeconds(status.timestamp),
    actionKey: status.biz_opaque_callback_data ?? null,
    recipient: fromWhatsAppNumber(status.recipient_id),
    error:
      status.status === "failed" ? (error ?? { code: "unknown", message: "failed without an error" }) : error,
    pricing: pricing
      ? { billable: pricing.billable, category: pricing.category, model: pricing.pricing_model ?? null }
      : null,
    conversation: conversation
      ? {
          id: conversation.id,
          originType: conversation.origin?.type ?? null,
          expiresAt: conversation.expiration_timestamp
            ? isoFromSeconds(conversation.expiration_timestamp)
            : null,
        }
      : null,
  };
}

export function inboundText(message: InboundMessagePayload): string {
  return (
    message.text?.body ??
    message.button?.text ??
    message.interactive?.button_reply?.title ??
    message.interactive?.list_reply?.title ??
    message.image?.caption ??
    message.document?.caption ??
    message.video?.caption ??
    ""
  );
}

/**
 * What the customer tapped: a template quick reply's `button.payload` (the payload régua set
 * on the button), or an interactive reply's `button_reply.id` / `list_reply.id`
 * (https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/messages/).
 */
export function inboundPayload(message: InboundMessagePayload): string | null {
  return (
    message.button?.payload ??
    message.interactive?.button_reply?.id ??
    message.interactive?.list_reply?.id ??
    null
  );
}

export function inboundToEvent(message: InboundMessagePayload): ChannelEvent {
  const text = inboundText(message);
  const payload = inboundPayload(message);
  return {
    kind: "inbound",
    eventId: message.id,
    providerMessageId: message.id,
    from: fromWhatsAppNumber(message.from),
    at: isoFromSeconds(message.timestamp),
    text,
    payload,
    intent: replyIntent({ payload, text }),
    replyTo: message.context?.id ?? null,
  };
}
