import type { FastifyInstance } from "fastify";
import type { WebhookSender } from "./delivery.js";
import { GRAPH_ERRORS } from "./errors.js";
import { checkInteractive } from "./interactive.js";
import type { Params, RouteContext } from "./routes.js";
import { explainMessageError } from "./spec.js";
import { checkTemplateSend } from "./templates.js";
import type { SentMessage } from "./types.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MessagesContext extends RouteContext {
  sent: SentMessage[];
  sender: WebhookSender;
  nowMs(): number;
  wamid(to: string): string;
  /** When this WhatsApp id last wrote to the business (epoch ms). */
  lastInboundAt(waId: string): number | undefined;
  /** When the request arrived (epoch ms, with a fraction). */
  receivedAt(request: object): number;
}

/**
 * `POST /{Version}/{Phone-Number-ID}/messages`: auth, throughput, injected errors, the OpenAPI
 * schema, templates, the 24-hour window; then the wamid and the status webhooks.
 */
export function registerMessages(app: FastifyInstance, ctx: MessagesContext): void {
  // https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages
  app.post<{ Params: Params }>("/:version/:node/messages", async (request, reply) => {
    if (!ctx.admit(request, reply, true)) return reply;
    const injection = ctx.nextInjected();
    if (injection?.via === "response") return ctx.fail(reply, injection.code);
    const body = request.body;
    if (!ctx.validators.message(body)) {
      return ctx.fail(reply, 100, { details: explainMessageError(ctx.validators, body) });
    }
    const message = body as Record<string, unknown> & { to: string; type: string };
    if (message.messaging_product !== "whatsapp") {
      return ctx.fail(reply, 100, { details: "Param messaging_product must be whatsapp" });
    }
    if (message.type === "interactive") {
      const details = checkInteractive(message.interactive);
      if (details) return ctx.fail(reply, 100, { details });
    }
    const to = message.to.replace(/^\+/, "");
    let failure: number | undefined = injection?.code;
    if (message.type === "template") {
      const rejection = checkTemplateSend(
        ctx.templates,
        message.template as Parameters<typeof checkTemplateSend>[1],
      );
      if (rejection) return ctx.fail(reply, rejection.code, { details: rejection.details });
    } else if (ctx.nowMs() - (ctx.lastInboundAt(to) ?? Number.NEGATIVE_INFINITY) > DAY_MS) {
      // Meta accepts a free-form message outside the service window and fails it by webhook.
      failure ??= 131047;
    }
    const id = ctx.wamid(to);
    const actionKey =
      typeof message.biz_opaque_callback_data === "string" ? message.biz_opaque_callback_data : undefined;
    const at = new Date(ctx.nowMs());
    ctx.sent.push({
      id,
      to,
      type: message.type,
      actionKey,
      body: message,
      at,
      receivedAt: ctx.receivedAt(request),
    });
    const failureSpec = failure === undefined ? undefined : GRAPH_ERRORS[failure];
    const pricingCategory = message.type === "template" ? templateCategory(ctx, message.template) : "service";
    if (ctx.options.statusWebhooks !== false)
      ctx.sender.scheduleStatuses(
        { id, to, actionKey, pricingCategory },
        failure === undefined || !failureSpec
          ? undefined
          : {
              code: failure,
              title: failureSpec.message,
              message: failureSpec.message,
              details: failureSpec.details,
            },
      );
    // Accepted above; a slow answer (a congested network) lets a client time out after the
    // message was taken: the ambiguous send the engine must not repeat.
    const latency = ctx.options.answerLatencyMs?.() ?? 0;
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    return reply.send({
      messaging_product: "whatsapp",
      contacts: [{ input: message.to, wa_id: to }],
      messages: [{ id, ...(message.type === "template" ? { message_status: "accepted" } : {}) }],
    });
  });
}

/** The approved template's category, lower-cased as Meta's pricing.category spells it. */
function templateCategory(ctx: MessagesContext, template: unknown): string {
  const name = (template as { name?: unknown } | undefined)?.name;
  const found = ctx.templates.find((t) => t.name === name);
  return (found?.category ?? "UTILITY").toLowerCase();
}
