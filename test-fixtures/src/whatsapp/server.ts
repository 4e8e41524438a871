import { randomBytes } from "node:crypto";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { seededRandom, WebhookSender } from "./delivery.js";
import { graphErrorBody } from "./errors.js";
import { registerMessages } from "./messages.js";
import { type Params, type RouteContext, registerMediaAndReads } from "./routes.js";
import { loadSpecValidators } from "./spec.js";
import { DEFAULT_TEMPLATES, quickReplyTap, STATUS_AFTER_EVENT } from "./templates.js";
import {
  type FakeGraphApi,
  type FakeGraphApiOptions,
  type SentMessage,
  tappedMessage,
  type UploadedMedia,
} from "./types.js";

export async function startFakeGraphApi(options: FakeGraphApiOptions): Promise<FakeGraphApi> {
  const validators = await loadSpecValidators(options.specPath);
  const random = seededRandom(options.seed ?? 1);
  const nowMs = () => (options.now ? options.now().getTime() : Date.now());
  const wabaId = options.wabaId ?? "102290129340398";
  const ratePerSecond = options.ratePerSecond ?? 80;
  // Copies: a status change in one fake must not leak into another through shared objects.
  const templates = (options.templates ?? DEFAULT_TEMPLATES).map((t) => ({ ...t }));
  const sender = new WebhookSender({
    appSecret: options.appSecret,
    phoneNumberId: options.phoneNumberId,
    wabaId,
    displayPhoneNumber: options.displayPhoneNumber ?? "5511900000000",
    random,
    clockSpeed: options.clockSpeed ?? 1,
    duplicateRate: options.duplicateRate ?? 0.02,
    outOfOrderRate: options.outOfOrderRate ?? 0.02,
    nowMs,
  });
  sender.url = options.webhookUrl;
  const sent: SentMessage[] = [];
  const media: UploadedMedia[] = [];
  const requests: FakeGraphApi["requests"] = [];
  const injected: { code: number; remaining: number; via: "response" | "webhook" }[] = [];
  const lastInbound = new Map<string, number>();
  const throughputNow = options.throughputClock ?? (() => performance.now());
  let tokens = ratePerSecond;
  let refilledAt = throughputNow();
  let sequence = 0;

  let tokenExpired = false;
  let messagingLimit: string | undefined;
  const authorized = (authorization: string | undefined) =>
    !tokenExpired && authorization === `Bearer ${options.token}`;

  const traceId = () => `A${randomBytes(9).toString("base64url")}`;
  const wamid = (to: string) =>
    `wamid.${Buffer.from(`${to}:${nowMs()}:${++sequence}:${Math.floor(random() * 1e9)}`).toString("base64url")}`;
  const fail = (reply: FastifyReply, code: number, overrides?: { message?: string; details?: string }) => {
    const { status, body } = graphErrorBody(code, overrides, traceId());
    return reply
      .code(status)
      .header("www-authenticate", code === 190 ? 'OAuth "Facebook Platform" "invalid_token"' : undefined)
      .send(body);
  };

  /** Meta measures throughput per phone number; a bucket as deep as one second of it. */
  const takeThroughput = (): boolean => {
    const now = throughputNow();
    tokens = Math.min(ratePerSecond, tokens + ((now - refilledAt) / 1000) * ratePerSecond);
    refilledAt = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };

  const nextInjected = () => {
    const entry = injected[0];
    if (!entry) return undefined;
    entry.remaining -= 1;
    if (entry.remaining <= 0) injected.shift();
    return entry;
  };

  /** Checks shared by every phone-number endpoint; answers and returns false on failure. */
  const admit = (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply, throttled: boolean) => {
    if (!authorized(request.headers.authorization)) {
      fail(
        reply,
        190,
        tokenExpired ? {} : { message: "Invalid OAuth access token - Cannot parse access token" },
      );
      return false;
    }
    if (!/^v\d+\.\d+$/.test(request.params.version)) {
      fail(reply, 100, { message: `Unknown path components: /${request.params.version}` });
      return false;
    }
    if (request.params.node !== options.phoneNumberId) {
      fail(reply, 100, {
        message: `Unsupported post request. Object with ID '${request.params.node}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      });
      return false;
    }
    if (throttled && !takeThroughput()) {
      fail(reply, 130429);
      return false;
    }
    return true;
  };

  const app = Fastify({ logger: false, bodyLimit: 100 * 1024 * 1024 });
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer" }, (_req, body, done) =>
    done(null, body),
  );
  app.setErrorHandler((error, _request, reply) => {
    fail(reply, 100, { details: error instanceof Error ? error.message : String(error) });
  });
  // When each request arrived (before its body was read): what a benchmark calls the fake's own
  // time starts here. Epoch ms with a fraction, comparable across threads of one process. The
  // hook then yields to the event loop, so requests that arrived together (a burst) are all
  // stamped before the first is handled: Meta's servers take a burst side by side, and this one
  // thread's handling of the first (about half a millisecond) is the fake's own time, not the
  // sender's.
  const arrivals = new WeakMap<object, number>();
  app.addHook("onRequest", async (request) => {
    arrivals.set(request, performance.timeOrigin + performance.now());
    await new Promise((resolve) => setImmediate(resolve));
  });
  app.addHook("onResponse", async (request, reply) => {
    requests.push({
      method: request.method,
      path: request.url.split("?")[0] ?? "",
      status: reply.statusCode,
    });
  });

  const routes: RouteContext = {
    options,
    wabaId,
    templates,
    media,
    validators,
    fail,
    admit,
    nextInjected,
    authorized,
    messagingLimit: () => messagingLimit,
  };
  registerMessages(app, {
    ...routes,
    sent,
    sender,
    nowMs,
    wamid,
    lastInboundAt: (waId) => lastInbound.get(waId),
    receivedAt: (request) => arrivals.get(request) ?? performance.timeOrigin + performance.now(),
  });
  registerMediaAndReads(app, routes);

  const address = await app.listen({ host: "127.0.0.1", port: 0 });

  /** A customer's message to the business: opens the 24-hour window, posts a signed webhook. */
  const inbound = (
    from: string,
    content: Record<string, unknown>,
    inboundOptions: { context?: string | undefined; name?: string | undefined } = {},
  ): string => {
    const waId = from.replace(/^\+/, "");
    lastInbound.set(waId, nowMs());
    const id = wamid(waId);
    const context = inboundOptions.context
      ? { context: { from: options.displayPhoneNumber ?? "5511900000000", id: inboundOptions.context } }
      : {};
    sender.inbound(
      { ...context, from: waId, id, timestamp: String(Math.floor(nowMs() / 1000)), ...content },
      inboundOptions.name ?? "Cliente",
      waId,
    );
    return id;
  };

  return {
    url: address,
    sent,
    media,
    templates,
    webhooks: sender.deliveries,
    requests,
    inject(code, injectOptions = {}) {
      injected.push({ code, remaining: injectOptions.count ?? 1, via: injectOptions.via ?? "response" });
    },
    reply(from, text, replyOptions = {}) {
      return inbound(from, { type: "text", text: { body: text } }, replyOptions);
    },
    tap(from, tapped, tapOptions) {
      return inbound(from, tappedMessage(tapped), tapOptions);
    },
    tapQuickReply(wamid, index) {
      const message = sent.find((m) => m.id === wamid);
      if (!message) throw new Error(`no message ${wamid} was sent`);
      return inbound(message.to, tappedMessage(quickReplyTap(templates, message.body, index)), {
        context: wamid,
      });
    },
    templateStatus(name, event, statusOptions = {}) {
      const language = statusOptions.language ?? "pt_BR";
      const index = templates.findIndex((t) => t.name === name && t.language === language);
      const template = templates[index];
      if (!template) throw new Error(`the fake has no template ${name} (${language})`);
      const status = STATUS_AFTER_EVENT[event];
      if (status) template.status = status;
      return sender.account("message_template_status_update", {
        event,
        message_template_id: 1689556908129832 + index,
        message_template_name: name,
        message_template_language: language,
        reason: statusOptions.reason ?? "NONE",
        message_template_category: template.category ?? "UTILITY",
        ...(statusOptions.otherInfo ? { other_info: statusOptions.otherInfo } : {}),
        ...(event === "DISABLED" ? { disable_info: { disable_date: Math.floor(nowMs() / 1000) } } : {}),
      });
    },
    qualityUpdate(event, currentLimit, oldLimit) {
      messagingLimit = currentLimit;
      return sender.account("phone_number_quality_update", {
        display_phone_number: options.displayPhoneNumber ?? "5511900000000",
        event,
        ...(oldLimit === undefined ? {} : { old_limit: oldLimit }),
        current_limit: currentLimit,
      });
    },
    expireToken() {
      tokenExpired = true;
    },
    restoreToken() {
      tokenExpired = false;
    },
    setWebhookUrl(url) {
      sender.url = url;
    },
    idle: () => sender.idle(),
    async close() {
      sender.close();
      await app.close();
    },
  };
}
