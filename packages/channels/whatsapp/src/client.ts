import { type Clock, fromZodError, type PluginContext, TokenBucket } from "@regua/core";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { z } from "zod";
import { graphErrorToReguaError, networkError } from "./errors.js";
import type { GraphSendBody } from "./map.js";
import {
  GraphErrorEnvelopeSchema,
  MediaUploadResponseSchema,
  PhoneNumberInfoSchema,
  SendResponseSchema,
  type TemplateInfo,
  TemplateListingSchema,
  type WhatsAppOptions,
} from "./schemas.js";

/**
 * Talks to the Graph API: bearer auth, the phone number's throughput limit, per-recipient
 * pacing, paging of listings, and Meta's errors turned into core errors.
 */
export class GraphClient {
  private readonly http: AxiosInstance;
  private readonly bucket: TokenBucket;
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
    this.http = ctx.http<AxiosInstance>({
      baseURL: `${options.baseUrl.replace(/\/$/, "")}/${options.apiVersion}`,
      timeoutMs: options.timeoutMs,
      headers: { Authorization: `Bearer ${options.token}` },
    });
    // A shallow bucket (a tenth of a second of throughput): the limit Meta enforces is a
    // per-second rate, and a full-second burst on top of the steady rate would trip 130429.
    const perSecond = options.tier.perSecond;
    this.bucket = new TokenBucket(perSecond, Math.max(1, Math.ceil(perSecond / 10)), ctx.clock);
  }

  /** https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages — returns the wamid. */
  async sendMessage(body: GraphSendBody, recipient: string): Promise<string> {
    await this.paceRecipient(recipient);
    await this.bucket.take(this.signal);
    const response = await this.request("POST", `/${this.options.phoneNumberId}/messages`, body);
    return this.parse(response, SendResponseSchema, "send message response").messages[0]!.id;
  }

  /** https://developers.facebook.com/docs/whatsapp/cloud-api/reference/media#upload-media */
  async uploadMedia(file: Uint8Array, mimeType: string, filename: string): Promise<string> {
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("type", mimeType);
    form.append("file", new Blob([new Uint8Array(file)], { type: mimeType }), filename);
    const response = await this.request("POST", `/${this.options.phoneNumberId}/media`, form);
    return this.parse(response, MediaUploadResponseSchema, "media upload response").id;
  }

  /** https://developers.facebook.com/docs/graph-api/reference/whats-app-business-account/message_templates/ */
  async listTemplates(wabaId: string, name: string): Promise<TemplateInfo[]> {
    const templates: TemplateInfo[] = [];
    let url: string | undefined = `/${wabaId}/message_templates`;
    let params: Record<string, string> | undefined = {
      name,
      fields: "name,language,status,category,parameter_format,components",
      limit: "100",
    };
    while (url) {
      const response = await this.request("GET", url, undefined, params);
      const page = this.parse(response, TemplateListingSchema, "message_templates listing");
      templates.push(...page.data);
      url = page.paging?.next;
      params = undefined; // `next` is an absolute URL that already carries the query
    }
    return templates;
  }

  async phoneNumberInfo() {
    const response = await this.request("GET", `/${this.options.phoneNumberId}`, undefined, {
      fields: "verified_name,display_phone_number,quality_rating",
    });
    return this.parse(response, PhoneNumberInfoSchema, "phone number");
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

  private async request(
    method: "GET" | "POST",
    url: string,
    data?: unknown,
    params?: Record<string, string>,
  ): Promise<AxiosResponse<unknown>> {
    let response: AxiosResponse<unknown>;
    try {
      response = await this.http.request({
        method,
        url,
        data,
        params,
        signal: this.signal,
        validateStatus: () => true,
      });
    } catch (error) {
      const reason =
        error instanceof Error
          ? `${(error as { code?: string }).code ?? error.name}: ${error.message}`
          : "unknown";
      throw networkError(reason);
    }
    if (response.status >= 200 && response.status < 300) return response;
    const envelope = GraphErrorEnvelopeSchema.safeParse(response.data);
    const retryAfter = response.headers["retry-after"];
    throw graphErrorToReguaError(
      response.status,
      envelope.success ? envelope.data.error : undefined,
      typeof retryAfter === "string" ? retryAfter : undefined,
    );
  }

  private parse<T extends z.ZodType>(response: AxiosResponse<unknown>, schema: T, what: string): z.output<T> {
    const envelope = GraphErrorEnvelopeSchema.safeParse(response.data);
    // Graph sometimes answers 200 with an error envelope.
    if (envelope.success) throw graphErrorToReguaError(response.status, envelope.data.error);
    const parsed = schema.safeParse(response.data);
    if (!parsed.success) throw fromZodError(parsed.error, `WhatsApp ${what}`);
    return parsed.data;
  }
}
