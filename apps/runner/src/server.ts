import rateLimit from "@fastify/rate-limit";
import type {
  Channel,
  ChannelEvent,
  Clock,
  Connector,
  DunningStore,
  Engine,
  ErpEvent,
  Logger,
} from "@regua/core";
import { ConfigError, silentLogger, systemClock } from "@regua/core";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { type ConsoleOptions, registerConsole } from "./console/index.js";
import { createMetrics, type RunnerMetrics } from "./metrics.js";
import type { ReportsConfig } from "./reports/schema.js";
import { registerAdmin } from "./server/admin.js";
import { createAuthFailures } from "./server/guard.js";
import { registerHealth } from "./server/health.js";
import { DEFAULT_LIMITS, httpServerOptions, type ServerLimits, SMALL_BODY_BYTES } from "./server/limits.js";
import { RejectionLog } from "./server/rejections.js";
import { tokenMatcher } from "./server/tokens.js";
import type { ServerPlugin } from "./server/types.js";
import { registerWebhookRoutes } from "./server/webhooks.js";
import { createWebhookWorker, type WebhookWorker } from "./server/worker.js";

export type { ServerLimits } from "./server/limits.js";
export type { ServerPlugin } from "./server/types.js";
export type { WebhookWorker } from "./server/worker.js";

export interface BuildServerOptions {
  engine: Engine;
  store: DunningStore;
  channels: ServerPlugin<Channel>[];
  connectors: ServerPlugin<Connector>[];
  /**
   * Bearer token for /admin/*, the dashboard and the detail of /healthz. Required: the admin
   * API returns customer references and message ids, so the server does not start without it.
   */
  adminToken: string;
  /** When set, /metrics needs `Authorization: Bearer <metricsToken>` (or the admin token). */
  metricsToken?: string;
  log?: Logger;
  clock?: Clock;
  metrics?: RunnerMetrics;
  /** How long a plugin health result is reused by /healthz. */
  healthTtlMs?: number;
  limits?: Partial<ServerLimits>;
  /** Applies queued webhook events; one is made (and stopped on close) when not given. */
  worker?: WebhookWorker;
  /** `reports:` from regua.yaml (the /reports page's prices and windows). */
  reports?: ReportsConfig | undefined;
  /** Raw webhook bodies are kept this many days. Default 90. */
  retentionDays?: number;
  /** Serves the operator console at /console (docs/console.md) when given. */
  console?:
    | Pick<
        ConsoleOptions,
        "store" | "config" | "secretKey" | "feedPollMs" | "routeEveryMs" | "selfServiceBot"
      >
    | undefined;
}

export const MIN_TOKEN_LENGTH = 16;

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  if (typeof options.adminToken !== "string" || options.adminToken.length < MIN_TOKEN_LENGTH) {
    throw new ConfigError(
      `server.adminToken is required (at least ${MIN_TOKEN_LENGTH} characters): the admin API and dashboard are never served open. ` +
        "`regua init` writes one into .env; set it as server.adminToken: { env: REGUA_ADMIN_TOKEN }",
    );
  }
  const log = options.log ?? silentLogger;
  const clock = options.clock ?? systemClock;
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = options.metrics ?? createMetrics({ store: options.store, now: () => clock.now() });
  const { engine, store } = options;
  const app = Fastify({ logger: false, bodyLimit: SMALL_BODY_BYTES, ...httpServerOptions(limits) });
  app.server.maxConnections = limits.maxConnections;

  // Webhook signatures are computed over the exact bytes: keep every body as a Buffer.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
  await app.register(rateLimit, { global: false });

  const rejections = new RejectionLog(metrics.httpRejected, log, clock);
  const failures = createAuthFailures(app, limits.authFailuresPerMinute, (route) =>
    rejections.record("rate_limited", route),
  );
  app.addHook("onRequest", async (req, reply) => failures.precheck(req, reply));
  const isAdmin = tokenMatcher(options.adminToken);
  const isMetrics = options.metricsToken ? tokenMatcher(options.metricsToken) : null;
  const guard =
    (allowed: (req: FastifyRequest) => boolean, what: string) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
      if (allowed(req)) return undefined;
      rejections.record("bad_token", req.url);
      return failures.reject(req, reply, `${what} token required`);
    };

  const worker =
    options.worker ??
    createWebhookWorker({
      engine,
      store,
      log,
      clock,
      ...(options.retentionDays === undefined ? {} : { retentionDays: options.retentionDays }),
    });
  if (!options.worker) app.addHook("onClose", () => worker.stop());

  await app.register(async (scope) =>
    registerWebhookRoutes(scope, {
      channels: options.channels,
      connectors: options.connectors,
      limits,
      log,
      rejections,
      failures,
      count: (labels, n = 1) => metrics.webhookEvents.inc(labels, n),
      enqueue: (found, events, rawBody) =>
        found.kind === "channel"
          ? engine.enqueueChannelEvents(found.id, events as ChannelEvent[], rawBody)
          : engine.enqueueErpEvents(found.id, events as ErpEvent[], rawBody),
      // After the answer is on its way: the worker's first claim reads the batch back.
      onQueued: () => setImmediate(() => worker.kick()),
    }),
  );
  registerHealth(app, {
    store,
    channels: options.channels,
    connectors: options.connectors,
    clock,
    ttlMs: options.healthTtlMs ?? 30_000,
    isAdmin,
  });
  const metricsGuard = isMetrics ? guard((req) => isMetrics(req) || isAdmin(req), "metrics") : null;
  app.get("/metrics", { ...(metricsGuard ? { onRequest: metricsGuard } : {}) }, async (_req, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  registerAdmin(app, { engine, store, clock, authorize: guard(isAdmin, "admin"), reports: options.reports });
  if (options.console) {
    await registerConsole(app, {
      ...options.console,
      engine,
      channels: options.channels,
      clock,
      log,
      prices: options.reports?.prices,
    });
  }

  await app.ready();
  metrics.refresh({ force: true }).catch((error: unknown) => {
    log.warn({ err: (error as Error).message }, "could not read the store for the metrics gauges");
  });
  return app;
}
