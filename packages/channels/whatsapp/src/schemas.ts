import { z } from "zod";

/* ------------------------------------------------------------------ options */

const Tier = z
  .union([z.enum(["standard", "upgraded"]), z.object({ perSecond: z.number().int().positive().max(1000) })])
  .transform((tier) => (typeof tier === "string" ? { perSecond: tier === "upgraded" ? 1000 : 80 } : tier));

/**
 * Options, validated at construction. `token` and `appSecret` are secrets: never logged, never
 * put in an error (write them in config as `{ env: NAME }`).
 */
export const WhatsAppOptionsSchema = z.object({
  /** The business phone number's id in the Graph API (not the phone number itself). */
  phoneNumberId: z.string().regex(/^\d+$/, "the numeric Phone-Number-ID from WhatsApp Manager"),
  /** A system-user access token with whatsapp_business_messaging. */
  token: z.string().min(1),
  /** The Meta app secret: webhook signatures (X-Hub-Signature-256) are HMACs with it. */
  appSecret: z.string().min(1),
  /** What you typed as "Verify token" when subscribing the webhook; answers the GET handshake. */
  verifyToken: z.string().min(1).optional(),
  /** The WhatsApp Business Account id: enables `checkTemplate` against its message_templates. */
  wabaId: z.string().regex(/^\d+$/).optional(),
  apiVersion: z
    .string()
    .regex(/^v\d+\.\d+$/, 'a Graph API version such as "v23.0"')
    .default("v23.0"),
  baseUrl: z.url().default("https://graph.facebook.com"),
  /**
   * Throughput of the business phone number: 80 messages/s by default, 1000 once Meta upgrades
   * it (https://developers.facebook.com/docs/whatsapp/throughput). "standard" | "upgraded" | { perSecond }.
   */
  tier: Tier.default({ perSecond: 80 }),
  /** Minimum spacing between two messages to the same customer (Meta's pair rate limit is ~6 s). */
  perRecipientMinIntervalMs: z.number().int().nonnegative().default(0),
  /**
   * The approved template sent instead of a free-form message (a document, a text) when the
   * customer's 24-hour window is closed (error 131047). It takes no body parameters; when the
   * message carries a document, the template needs a DOCUMENT header. Without it such a message
   * fails instead (free text is never retried).
   */
  windowClosedTemplate: z
    .strictObject({ name: z.string().regex(/^[a-z0-9_]+$/), language: z.string().min(2).optional() })
    .optional(),
  /** Template language when a message names none: "pt_BR". */
  defaultLanguage: z.string().min(2).default("pt_BR"),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type WhatsAppOptions = z.output<typeof WhatsAppOptionsSchema>;
export type WhatsAppOptionsInput = z.input<typeof WhatsAppOptionsSchema>;

/* ------------------------------------------------------------ Graph answers */

/** https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages#response */
export const SendResponseSchema = z.object({
  messaging_product: z.string().optional(),
  contacts: z.array(z.object({ input: z.string(), wa_id: z.string() })).optional(),
  messages: z.array(z.object({ id: z.string().min(1), message_status: z.string().optional() })).min(1),
});

/** https://developers.facebook.com/docs/graph-api/guides/error-handling */
export const GraphErrorSchema = z.object({
  message: z.string(),
  type: z.string().optional(),
  code: z.number().int(),
  error_subcode: z.number().int().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
  error_user_title: z.string().optional(),
  error_user_msg: z.string().optional(),
  fbtrace_id: z.string().optional(),
});
export type GraphError = z.infer<typeof GraphErrorSchema>;
export const GraphErrorEnvelopeSchema = z.object({ error: GraphErrorSchema });

export const MediaUploadResponseSchema = z.object({ id: z.string().min(1) });

export const PhoneNumberInfoSchema = z.looseObject({
  id: z.string(),
  verified_name: z.string().optional(),
  display_phone_number: z.string().optional(),
  quality_rating: z.string().optional(),
});

const TemplateComponentInfo = z.looseObject({
  type: z.string(),
  format: z.string().optional(),
  text: z.string().optional(),
  buttons: z
    .array(z.looseObject({ type: z.string(), text: z.string().optional(), url: z.string().optional() }))
    .optional(),
});
export const TemplateInfoSchema = z.looseObject({
  name: z.string(),
  language: z.string(),
  status: z.string(),
  category: z.string().optional(),
  parameter_format: z.string().optional(),
  components: z.array(TemplateComponentInfo).default([]),
});
export type TemplateInfo = z.infer<typeof TemplateInfoSchema>;

/** https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/ */
export const TemplateListingSchema = z.object({
  data: z.array(TemplateInfoSchema),
  paging: z.looseObject({ next: z.string().optional() }).optional(),
});

/* ------------------------------------------------------------------ webhooks */

/** `#/components/schemas/Statuses` plus biz_opaque_callback_data, which Meta echoes back. */
export const StatusSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string(),
  timestamp: z.string().regex(/^\d+$/),
  recipient_id: z.string().min(1),
  biz_opaque_callback_data: z.string().optional(),
  /** `#/components/schemas/Conversation`: on "sent" and one of "delivered"/"read" only. */
  conversation: z
    .looseObject({
      id: z.string(),
      expiration_timestamp: z.string().regex(/^\d+$/).optional(),
      origin: z.looseObject({ type: z.string() }).optional(),
    })
    .optional(),
  /** `#/components/schemas/Pricing`: what the message costs (PMP: per message). */
  pricing: z
    .looseObject({
      billable: z.boolean(),
      pricing_model: z.string().optional(),
      category: z.string(),
    })
    .optional(),
  errors: z
    .array(
      z.looseObject({
        code: z.number().int(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.looseObject({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});
export type StatusPayload = z.infer<typeof StatusSchema>;

const Captioned = z.looseObject({ caption: z.string().optional() });

/** `#/components/schemas/IncomingMessage`: only the fields a reply's meaning depends on. */
/**
 * A WhatsApp id as Meta sends it in `from`: the sender's phone number, digits only, with the
 * country code (E.164 without the plus). Anything else is not a customer and never reaches the store.
 */
const WaId = z.string().regex(/^[1-9]\d{6,14}$/, "must be a WhatsApp id: the phone number in E.164 digits");

export const InboundMessageSchema = z.looseObject({
  from: WaId,
  id: z.string().min(1),
  timestamp: z.string().regex(/^\d+$/),
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
    })
    .optional(),
  image: Captioned.optional(),
  document: Captioned.optional(),
  video: Captioned.optional(),
  context: z.looseObject({ id: z.string().optional(), from: z.string().optional() }).optional(),
});
export type InboundMessagePayload = z.infer<typeof InboundMessageSchema>;

/** `#/components/schemas/WebhookPayload` (field "messages"). */
export const WebhookPayloadSchema = z.object({
  object: z.string(),
  entry: z.array(
    z.object({
      id: z.string(),
      changes: z.array(
        z.object({
          field: z.string(),
          value: z.looseObject({
            metadata: z.looseObject({ phone_number_id: z.string() }).optional(),
            statuses: z.array(StatusSchema).optional(),
            messages: z.array(InboundMessageSchema).optional(),
          }),
        }),
      ),
    }),
  ),
});
