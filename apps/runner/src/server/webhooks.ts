import type { Channel, Connector, EnqueueSummary, Logger, RawRequest } from "@regua/core";
import { isReguaError } from "@regua/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { shortPluginName } from "../plugins.js";
import type { AuthFailures } from "./guard.js";
import {
  limitBody,
  maxWebhookBodyLimit,
  type ServerLimits,
  SMALL_BODY_BYTES,
  webhookBodyLimit,
} from "./limits.js";
import type { RejectionLog } from "./rejections.js";
import type { ServerPlugin } from "./types.js";

const WebhookParams = z.strictObject({ plugin: z.string().min(1), id: z.string().min(1) });

type Found =
  | ({ kind: "channel" } & ServerPlugin<Channel>)
  | ({ kind: "connector" } & ServerPlugin<Connector>);

export interface WebhookRouteOptions {
  channels: ServerPlugin<Channel>[];
  connectors: ServerPlugin<Connector>[];
  limits: ServerLimits;
  log: Logger;
  rejections: RejectionLog;
  failures: AuthFailures;
  count: (labels: { plugin: string; instance: string; outcome: string }, n?: number) => void;
  enqueue: (found: Found, events: unknown[], rawBody: string) => Promise<EnqueueSummary>;
  onQueued: () => void;
}

function toRawRequest(req: FastifyRequest): RawRequest {
  const url = new URL(req.url, "http://localhost");
  const query: Record<string, string | undefined> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const body = req.body;
  return {
    method: req.method,
    path: url.pathname,
    headers: req.headers,
    query,
    rawBody: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
  };
}

/**
 * POST /webhooks/<plugin>/<id>: verify the signature, parse, screen and queue the events in
 * one transaction, answer. Applying them is the webhook worker's job, so a large delivery is
 * acknowledged in milliseconds and never holds up other requests.
 */
export function registerWebhookRoutes(app: FastifyInstance, o: WebhookRouteOptions): void {
  const find = (params: unknown): Found | null => {
    const parsed = WebhookParams.safeParse(params);
    if (!parsed.success) return null;
    const { plugin, id } = parsed.data;
    const named = <T>(p: ServerPlugin<T>) => p.id === id && shortPluginName(p.packageName) === plugin;
    const channel = o.channels.find(named);
    if (channel) return { kind: "channel", ...channel };
    const connector = o.connectors.find(named);
    return connector ? { kind: "connector", ...connector } : null;
  };

  app.addHook("preParsing", (req, reply, payload, done) => {
    const found = find(req.params);
    const limit = found ? webhookBodyLimit(o.limits, found.packageName) : SMALL_BODY_BYTES;
    const limited = limitBody(req, reply, payload, limit, () => o.rejections.record("too_large", req.url));
    if (limited) done(null, limited);
  });

  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const found = find(req.params);
    if (!found?.instance.webhook) {
      o.rejections.record("not_found", req.url);
      return reply.code(404).send({ error: "no webhook here" });
    }
    const labels = { plugin: shortPluginName(found.packageName), instance: found.id };
    const raw = toRawRequest(req);
    if (req.method === "GET")
      return handshake(found, raw, reply, () => o.count({ ...labels, outcome: "handshake" }));
    if (!found.instance.webhook.verify(raw)) {
      o.count({ ...labels, outcome: "rejected" });
      o.rejections.record("bad_signature", req.url);
      return o.failures.reject(req, reply, "signature check failed");
    }
    let events: unknown[];
    try {
      events = found.instance.webhook.parse(raw);
    } catch (error) {
      // Signed but not the vendor's shape: the sender's fault. The message names the field.
      o.count({ ...labels, outcome: "error" });
      o.rejections.record("bad_body", req.url);
      const message = isReguaError(error) ? error.describe() : "the body does not parse";
      return reply.code(400).send({ error: message });
    }
    if (events.length > o.limits.maxEventsPerRequest) {
      o.rejections.record("too_many_events", req.url);
      return reply
        .code(413)
        .send({ error: `${events.length} events in one delivery; at most ${o.limits.maxEventsPerRequest}` });
    }
    return queue(found, events, raw, reply, labels);
  };

  const queue = async (
    found: Found,
    events: unknown[],
    raw: RawRequest,
    reply: FastifyReply,
    labels: { plugin: string; instance: string },
  ) => {
    let summary: EnqueueSummary;
    try {
      summary = await o.enqueue(found, events, raw.rawBody.toString("utf8"));
    } catch (error) {
      // Ours, and usually passing (a locked database): the vendor retries on a 5xx. No internals
      // in the answer; the log has them.
      o.count({ ...labels, outcome: "error" });
      o.log.error({ ...labels, err: (error as Error).message }, "webhook could not be queued");
      return reply
        .code(503)
        .header("retry-after", "30")
        .send({ error: "temporarily unavailable, retry later" });
    }
    o.count({ ...labels, outcome: "accepted" }, summary.queued);
    if (summary.rejected.length > 0) o.count({ ...labels, outcome: "invalid" }, summary.rejected.length);
    if (summary.queued > 0) o.onQueued();
    return reply.code(200).send({ ok: true, queued: summary.queued, rejected: summary.rejected });
  };

  app.post("/webhooks/:plugin/:id", { bodyLimit: maxWebhookBodyLimit(o.limits) }, handle);
  app.get("/webhooks/:plugin/:id", { bodyLimit: SMALL_BODY_BYTES }, handle);
}

function handshake(found: Found, raw: RawRequest, reply: FastifyReply, count: () => void) {
  const answer = found.kind === "channel" ? found.instance.webhook?.handshake?.(raw) : null;
  if (!answer) return reply.code(404).send({ error: "not a handshake" });
  count();
  return reply
    .code(answer.status)
    .headers(answer.headers ?? {})
    .send(answer.body);
}
