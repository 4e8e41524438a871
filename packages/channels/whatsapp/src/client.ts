import { createHttpClient, type HttpClient, isAmbiguous, type KitRequest } from "@regua/connector-kit";
import {
  CancelledError,
  type Clock,
  fromZodError,
  type PluginContext,
  type ReguaError,
  SendOutcomeUnknownError,
} from "@regua/core";
import type { z } from "zod";
import { classifyGraphResponse, withDeliveryIssue } from "./errors.js";
import type { GraphSendBody } from "./map.js";
import {
  MediaUploadResponseSchema,
  PhoneNumberInfoSchema,
  SendResponseSchema,
  type TemplateInfo,
  TemplateListingSchema,
  type WhatsAppOptions,
} from "./schemas.js";

/**
 * Talks to the Graph API through @regua/connector-kit (keep-alive, proxy, timeouts, the phone
 * number's throughput limit, retries of reads, Graph's error bodies via the vendor hook); keeps
 * what is WhatsApp's own: bearer auth, per-recipient pacing, paging of listings.
 */
export class GraphClient {
  private readonly http: HttpClient;
  private readonly clock: Clock;
  private readonly signal: AbortSignal;
  /** When the next message to each recipient may leave (epoch ms). */
  private readonly recipientNextAt = new Map<string, number>();

  constructor(
    private readonly options: WhatsAppOptions,
    ctx: PluginContext,
  ) {
    this.clock = ctx.clock;
    this.signal = ctx.signal;
    const perSecond = options.tier.perSecond;
    this.http = createHttpClient(
      {
        system: "whatsapp",
        baseURL: `${options.baseUrl.replace(/\/$/, "")}/${options.apiVersion}`,
        headers: { Authorization: `Bearer ${options.token}` },
        timeouts: { requestMs: options.timeoutMs },
        // A shallow bucket: the limit Meta enforces is a per-second rate, and a full-second
        // burst on top of the steady rate would trip 130429. Two tenths of a second, twice the
        // engine's own gate (core's ChannelGates): a send the engine released at its slot is
        // not held again for this bucket's phase, a millisecond off the engine's (the dispatch
        // benchmark: half of the median added latency), while sends the engine does not pace
        // (the bot's replies) still cannot burst more than a fifth of the tier.
        limits: { perSecond, burst: 2 * Math.max(1, Math.ceil(perSecond / 10)) },
        classify: classifyGraphResponse,
      },
      ctx,
    );
  }

  /**
   * https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages — returns the wamid.
   * Never retried here: a POST /messages that may have left is not sent twice (the engine
   * decides, from the error, whether the send is failed, retried later or unknown).
   */
  async sendMessage(body: GraphSendBody, recipient: string): Promise<string> {
    try {
      await this.paceRecipient(recipient);
    } catch (error) {
      if (this.signal.aborted) throw new CancelledError("WhatsApp send stopped before the request left");
      throw error;
    }
    let data: unknown;
    try {
      data = await this.call({
        method: "POST",
        url: `/${this.options.phoneNumberId}/messages`,
        data: body,
        retry: false,
      });
    } catch (error) {
      // No answer to a request that may have reached Meta (a reset, a response timeout): Meta
      // may have accepted it, so it is not retried; the engine settles it from the status
      // webhooks, which carry the action key as biz_opaque_callback_data.
      if (!isAmbiguous(error)) throw error;
      const said = (error as ReguaError).message;
      throw new SendOutcomeUnknownError(
        `WhatsApp Cloud API gave no answer to a send that may have left: ${said}`,
        {
          provider: (error as ReguaError).provider,
        },
      );
    }
    return this.parse(data, SendResponseSchema, "send message response").messages[0]!.id;
  }

  /** https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media */
  async uploadMedia(file: Uint8Array, mimeType: string, filename: string): Promise<string> {
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("type", mimeType);
    form.append("file", new Blob([new Uint8Array(file)], { type: mimeType }), filename);
    const data = await this.call({ method: "POST", url: `/${this.options.phoneNumberId}/media`, data: form });
    return this.parse(data, MediaUploadResponseSchema, "media upload response").id;
  }

  /** https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/ */
  async listTemplates(wabaId: string, name: string): Promise<TemplateInfo[]> {
    const templates: TemplateInfo[] = [];
    let request: KitRequest | undefined = {
      method: "GET",
      url: `/${wabaId}/message_templates`,
      params: { name, fields: "name,language,status,category,parameter_format,components", limit: 100 },
    };
    while (request) {
      const data = await this.call(request);
      const page: z.output<typeof TemplateListingSchema> = this.parse(
        data,
        TemplateListingSchema,
        "message_templates listing",
      );
      templates.push(...page.data);
      // `next` is an absolute URL that already carries the query.
      request = page.paging?.next ? { method: "GET", url: page.paging.next } : undefined;
    }
    return templates;
  }

  async phoneNumberInfo() {
    const data = await this.call({
      method: "GET",
      url: `/${this.options.phoneNumberId}`,
      params: { fields: "verified_name,display_phone_number,quality_rating" },
    });
    return this.parse(data, PhoneNumberInfoSchema, "phone number");
  }

  private async call(request: KitRequest): Promise<unknown> {
    try {
      return (await this.http.request(request)).data;
    } catch (error) {
      throw withDeliveryIssue(error);
    }
  }

  private async paceRecipient(recipient: string): Promise<void> {
    const interval = this.options.perRecipientMinIntervalMs;
    if (interval <= 0) return;
    const now = this.clock.now().getTime();
    const at = Math.max(now, this.recipientNextAt.get(recipient) ?? 0);
    this.recipientNextAt.set(recipient, at + interval); // reserve the slot before waiting
    if (this.recipientNextAt.size > 10_000) {
      for (const [key, next] of this.recipientNextAt) if (next <= now) this.recipientNextAt.delete(key);
    }
    if (at > now) await this.clock.sleep(at - now, this.signal);
  }

  private parse<T extends z.ZodType>(data: unknown, schema: T, what: string): z.output<T> {
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw fromZodError(parsed.error, `WhatsApp ${what}`);
    return parsed.data;
  }
}
