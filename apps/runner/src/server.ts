import type {
  Channel,
  ChannelEvent,
  Clock,
  Connector,
  DunningStore,
  Engine,
  ErpEvent,
  Health,
  Logger,
  RawRequest,
} from "@regua/core";
import { ACTION_STATUSES, fromZodError, isReguaError, silentLogger, systemClock } from "@regua/core";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { renderDashboard } from "./dashboard.js";
import { createMetrics, type RunnerMetrics } from "./metrics.js";
import { shortPluginName } from "./plugins.js";

export interface ServerPlugin<T> {
  id: string;
  packageName: string;
  instance: T;
}

export interface BuildServerOptions {
  engine: Engine;
  store: DunningStore;
  channels: ServerPlugin<Channel>[];
  connectors: ServerPlugin<Connector>[];
  log?: Logger;
  clock?: Clock;
  metrics?: RunnerMetrics;
  /** When set, /admin/* and / need `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** How long a plugin health result is reused by /healthz. */
  healthTtlMs?: number;
}

const AdminActionsQuery = z.strictObject({
  status: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",") : undefined))
    .pipe(z.array(z.enum(ACTION_STATUSES)).optional()),
  source: z.string().optional(),
  customer: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
const WebhookParams = z.strictObject({ plugin: z.string().min(1), id: z.string().min(1) });

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

/** Finds the channel or connector instance a webhook URL `/webhooks/:plugin/:id` names. */
function findPlugin(options: BuildServerOptions, plugin: string, id: string): FoundPlugin | null {
  const matches = (p: ServerPlugin<unknown>) => p.id === id && shortPluginName(p.packageName) === plugin;
  const channel = options.channels.find(matches);
  if (channel) return { kind: "channel", ...channel };
  const connector = options.connectors.find(matches);
  if (connector) return { kind: "connector", ...connector };
  return null;
}

type FoundPlugin =
  | ({ kind: "channel" } & ServerPlugin<Channel>)
  | ({ kind: "connector" } & ServerPlugin<Connector>);

interface WebhookDeps {
  options: BuildServerOptions;
  engine: Engine;
  log: Logger;
  metrics: RunnerMetrics;
}

/** One webhook request, already routed to its plugin instance. */
interface WebhookCall {
  found: FoundPlugin;
  raw: RawRequest;
  reply: FastifyReply;
  count: (outcome: string, n?: number) => void;
  fail: (status: number, stage: string, error: unknown) => FastifyReply;
}

function webhookHandler(deps: WebhookDeps) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const params = WebhookParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: "bad webhook path" });
    const { plugin, id } = params.data;
    const found = findPlugin(deps.options, plugin, id);
    if (!found) return reply.code(404).send({ error: `no ${plugin} instance with id ${id}` });
    if (!found.instance.webhook) {
      return reply.code(404).send({ error: `${found.packageName} (${id}) takes no webhooks` });
    }
    const count = (outcome: string, n = 1) =>
      deps.metrics.webhookEvents.inc({ plugin, instance: id, outcome }, n);
    const fail = (status: number, stage: string, error: unknown) => {
      count("error");
      const message = isReguaError(error) ? error.describe() : (error as Error).message;
      deps.log.error({ plugin, instance: id, stage, err: message }, `webhook ${stage} failed`);
      return reply.code(status).send({ error: message });
    };
    const call: WebhookCall = { found, raw: toRawRequest(req), reply, count, fail };
    if (req.method === "GET") return answerHandshake(call);
    if (!found.instance.webhook.verify(call.raw)) {
      count("rejected");
      deps.log.warn({ plugin, instance: id }, "webhook signature check failed");
      return reply.code(401).send({ error: "signature check failed" });
    }
    return found.kind === "channel"
      ? applyChannelWebhook(deps.engine, call, found)
      : applyConnectorWebhook(deps.engine, call, found);
  };
}

function answerHandshake({ found, raw, reply, count }: WebhookCall) {
  const handshake = found.kind === "channel" ? found.instance.webhook?.handshake?.(raw) : null;
  if (!handshake) return reply.code(404).send({ error: "not a handshake" });
  count("handshake");
  return reply
    .code(handshake.status)
    .headers(handshake.headers ?? {})
    .send(handshake.body);
}

// A signed body that does not parse is the sender's fault (400); a failure applying the
// events is ours (500, so the provider delivers again).
async function applyChannelWebhook(engine: Engine, call: WebhookCall, channel: ServerPlugin<Channel>) {
  let events: ChannelEvent[];
  try {
    events = channel.instance.webhook?.parse(call.raw) ?? [];
  } catch (error) {
    return call.fail(400, "parse", error);
  }
  try {
    const summary = await engine.handleChannelEvents(channel.id, events);
    call.count("accepted", events.length);
    return call.reply.code(200).send({ ok: true, events: events.length, summary });
  } catch (error) {
    return call.fail(500, "apply", error);
  }
}

async function applyConnectorWebhook(engine: Engine, call: WebhookCall, connector: ServerPlugin<Connector>) {
  let events: ErpEvent[];
  try {
    events = connector.instance.webhook?.parse(call.raw) ?? [];
  } catch (error) {
    return call.fail(400, "parse", error);
  }
  try {
    await engine.handleErpEvents(connector.id, events);
    call.count("accepted", events.length);
    return call.reply.code(200).send({ ok: true, events: events.length });
  } catch (error) {
    return call.fail(500, "apply", error);
  }
}

/** Plugin health checks can be slow or rate limited: /healthz reuses a result for a while. */
function cachedHealth(clock: Clock, ttlMs: number) {
  const cache = new Map<string, { at: number; health: Health }>();
  return async (key: string, check: () => Promise<Health>): Promise<Health> => {
    const cached = cache.get(key);
    const nowMs = clock.now().getTime();
    if (cached && nowMs - cached.at < ttlMs) return cached.health;
    let health: Health;
    try {
      health = await check();
    } catch (error) {
      health = { ok: false, detail: isReguaError(error) ? error.describe() : (error as Error).message };
    }
    cache.set(key, { at: nowMs, health });
    return health;
  };
}

function registerHealth(app: FastifyInstance, options: BuildServerOptions, clock: Clock): void {
  const pluginHealth = cachedHealth(clock, options.healthTtlMs ?? 30_000);
  app.get("/healthz", async (_req, reply) => {
    let storeHealth: Health;
    try {
      await options.store.getCursor("__healthz", "customers");
      storeHealth = { ok: true, detail: "reachable" };
    } catch (error) {
      storeHealth = { ok: false, detail: (error as Error).message };
    }
    const plugins = await Promise.all([
      ...options.connectors.map(async (c) => ({
        kind: "source",
        id: c.id,
        ...(await pluginHealth(`s:${c.id}`, () => c.instance.healthCheck())),
      })),
      ...options.channels.map(async (c) => ({
        kind: "channel",
        id: c.id,
        ...(await pluginHealth(`c:${c.id}`, () => c.instance.healthCheck())),
      })),
    ]);
    const ok = storeHealth.ok && plugins.every((p) => p.ok);
    return reply.code(storeHealth.ok ? 200 : 503).send({ ok, store: storeHealth, plugins });
  });
}

function registerMetrics(app: FastifyInstance, metrics: RunnerMetrics): void {
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

function registerAdmin(app: FastifyInstance, store: DunningStore, clock: Clock, adminToken?: string): void {
  app.register(async (admin) => {
    if (adminToken) {
      const expected = `Bearer ${adminToken}`;
      admin.addHook("onRequest", async (req, reply) => {
        if (req.headers.authorization !== expected)
          return reply.code(401).send({ error: "admin token required" });
      });
    }
    admin.get("/admin/actions", async (req, reply) => {
      const query = AdminActionsQuery.safeParse(req.query);
      if (!query.success) return reply.code(400).send({ error: fromZodError(query.error, "query").message });
      const { status, source, customer, limit } = query.data;
      return store.listActions({
        limit,
        ...(status ? { status } : {}),
        ...(source ? { source } : {}),
        ...(customer ? { customerRef: customer } : {}),
      });
    });
    admin.get("/admin/report", async () => store.report(clock.now().toISOString()));
    admin.get("/", async (_req, reply) => {
      const now = clock.now().toISOString();
      return reply.type("text/html; charset=utf-8").send(renderDashboard(await store.report(now), now));
    });
  });
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics({ store: options.store, now: () => clock.now() });
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });

  // Webhook signatures are computed over the exact bytes: keep every body as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const webhook = webhookHandler({ options, engine: options.engine, log, metrics });
  app.post("/webhooks/:plugin/:id", webhook);
  app.get("/webhooks/:plugin/:id", webhook);
  registerHealth(app, options, clock);
  registerMetrics(app, metrics);
  registerAdmin(app, options.store, clock, options.adminToken);

  await app.ready();
  return app;
}
