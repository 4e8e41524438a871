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
import { ACTION_STATUSES, isReguaError, silentLogger, systemClock } from "@regua/core";
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

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const metrics = options.metrics ?? createMetrics({ store: options.store, now: () => clock.now() });
  const { engine, store } = options;
  const app = Fastify({ logger: false, bodyLimit: 5 * 1024 * 1024 });

  // Webhook signatures are computed over the exact bytes: keep every body as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));

  const findPlugin = (plugin: string, id: string) => {
    const channel = options.channels.find((c) => c.id === id && shortPluginName(c.packageName) === plugin);
    if (channel) return { kind: "channel" as const, ...channel };
    const connector = options.connectors.find(
      (c) => c.id === id && shortPluginName(c.packageName) === plugin,
    );
    if (connector) return { kind: "connector" as const, ...connector };
    return null;
  };

  const webhook = async (req: FastifyRequest, reply: FastifyReply) => {
    const params = WebhookParams.safeParse(req.params);
    if (!params.success) return reply.code(400).send({ error: "bad webhook path" });
    const { plugin, id } = params.data;
    const found = findPlugin(plugin, id);
    const count = (outcome: string, n = 1) => metrics.webhookEvents.inc({ plugin, instance: id, outcome }, n);
    if (!found) return reply.code(404).send({ error: `no ${plugin} instance with id ${id}` });
    const hook = found.instance.webhook;
    if (!hook) return reply.code(404).send({ error: `${found.packageName} (${id}) takes no webhooks` });
    const raw = toRawRequest(req);

    if (req.method === "GET") {
      const handshake = found.kind === "channel" ? found.instance.webhook?.handshake?.(raw) : null;
      if (!handshake) return reply.code(404).send({ error: "not a handshake" });
      count("handshake");
      return reply
        .code(handshake.status)
        .headers(handshake.headers ?? {})
        .send(handshake.body);
    }
    if (!hook.verify(raw)) {
      count("rejected");
      log.warn({ plugin, instance: id }, "webhook signature check failed");
      return reply.code(401).send({ error: "signature check failed" });
    }
    const fail = (status: number, stage: string, error: unknown) => {
      count("error");
      const message = isReguaError(error) ? error.describe() : (error as Error).message;
      log.error({ plugin, instance: id, stage, err: message }, `webhook ${stage} failed`);
      return reply.code(status).send({ error: message });
    };
    // A signed body that does not parse is the sender's fault (400); a failure applying the
    // events is ours (500, so the provider delivers again).
    if (found.kind === "channel") {
      let events: ChannelEvent[];
      try {
        events = found.instance.webhook?.parse(raw) ?? [];
      } catch (error) {
        return fail(400, "parse", error);
      }
      try {
        const summary = await engine.handleChannelEvents(id, events);
        count("accepted", events.length);
        return reply.code(200).send({ ok: true, events: events.length, summary });
      } catch (error) {
        return fail(500, "apply", error);
      }
    }
    let events: ErpEvent[];
    try {
      events = found.instance.webhook?.parse(raw) ?? [];
    } catch (error) {
      return fail(400, "parse", error);
    }
    try {
      await engine.handleErpEvents(id, events);
      count("accepted", events.length);
      return reply.code(200).send({ ok: true, events: events.length });
    } catch (error) {
      return fail(500, "apply", error);
    }
  };
  app.post("/webhooks/:plugin/:id", webhook);
  app.get("/webhooks/:plugin/:id", webhook);

  const healthCache = new Map<string, { at: number; health: Health }>();
  const pluginHealth = async (key: string, check: () => Promise<Health>): Promise<Health> => {
    const cached = healthCache.get(key);
    const nowMs = clock.now().getTime();
    if (cached && nowMs - cached.at < (options.healthTtlMs ?? 30_000)) return cached.health;
    let health: Health;
    try {
      health = await check();
    } catch (error) {
      health = { ok: false, detail: isReguaError(error) ? error.describe() : (error as Error).message };
    }
    healthCache.set(key, { at: nowMs, health });
    return health;
  };

  app.get("/healthz", async (_req, reply) => {
    let storeHealth: Health;
    try {
      await store.getCursor("__healthz", "customers");
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

  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  app.register(async (admin) => {
    if (options.adminToken) {
      const expected = `Bearer ${options.adminToken}`;
      admin.addHook("onRequest", async (req, reply) => {
        if (req.headers.authorization !== expected)
          return reply.code(401).send({ error: "admin token required" });
      });
    }
    admin.get("/admin/actions", async (req, reply) => {
      const query = AdminActionsQuery.safeParse(req.query);
      if (!query.success) {
        return reply
          .code(400)
          .send({ error: query.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") });
      }
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

  await app.ready();
  return app;
}
