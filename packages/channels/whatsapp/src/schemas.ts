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
  /**
   * The business number as Meta displays it ("15550783881"): `phone_number_quality_update`
   * events about another number of the same account are ignored. Without it, every quality
   * event of the account (entry id = wabaId when set) counts for this channel.
   */
  displayPhoneNumber: z
    .string()
    .regex(/^\+?[\d\s()-]+$/)
    .transform((n) => n.replace(/\D/g, ""))
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

/**
 * Field `message_template_status_update`: a template was approved, paused, disabled, rejected,
 * flagged, reinstated… https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/message_template_status_update
 * Unknown fields are kept (Meta adds some: message_template_category, rejection_info, …).
 */
export const TemplateStatusUpdateSchema = z.looseObject({
  event: z.string().min(1),
  // An integer in Meta's examples (1689556908129832), a string in some relays.
  message_template_id: z.union([z.number().int(), z.string().min(1)]).optional(),
  message_template_name: z.string().min(1),
  message_template_language: z.string().min(2),
  /** "NONE" when paused or approved; null when scheduled for deletion. */
  reason: z.string().nullable().optional(),
  message_template_category: z.string().optional(),
  disable_info: z.looseObject({ disable_date: z.union([z.number(), z.string()]).optional() }).optional(),
  /** On pause/unpause: title FIRST_PAUSE | SECOND_PAUSE | RATE_LIMITING_PAUSE | UNPAUSE | DISABLED. */
  other_info: z.looseObject({ title: z.string().optional(), description: z.string().optional() }).optional(),
  rejection_info: z
    .looseObject({ reason: z.string().optional(), recommendation: z.string().optional() })
    .optional(),
});
export type TemplateStatusUpdate = z.infer<typeof TemplateStatusUpdateSchema>;

/**
 * Field `phone_number_quality_update`: the number's messaging limit or throughput changed
 * (FLAGGED, UNFLAGGED, DOWNGRADE, UPGRADE, ONBOARDING, THROUGHPUT_UPGRADE).
 * https://developers.facebook.com/documentation/business-messaging/whatsapp/webhooks/reference/phone_number_quality_update
 * `current_limit`/`old_limit` are being replaced by `max_daily_conversations_per_business`.
 */
export const PhoneNumberQualityUpdateSchema = z.looseObject({
  display_phone_number: z.string().optional(),
  event: z.string().min(1),
  current_limit: z.string().optional(),
  old_limit: z.string().optional(),
  max_daily_conversations_per_business: z.string().optional(),
});
export type PhoneNumberQualityUpdate = z.infer<typeof PhoneNumberQualityUpdateSchema>;

/** `#/components/schemas/WebhookPayload` (field "messages"; account fields are parsed per field). */
export const WebhookPayloadSchema = z.object({
  object: z.string(),
  entry: z.array(
    z.object({
      id: z.string(),
      /** Unix seconds when Meta triggered the webhook (account fields carry no other time). */
      time: z.number().int().nonnegative().optional(),
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
