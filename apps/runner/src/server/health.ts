import type { Channel, Clock, Connector, DunningStore, Health } from "@regua/core";
import { isReguaError } from "@regua/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ServerPlugin } from "./types.js";

export interface HealthOptions {
  store: DunningStore;
  channels: ServerPlugin<Channel>[];
  connectors: ServerPlugin<Connector>[];
  clock: Clock;
  ttlMs: number;
  /** True when the request carries the admin token: only then is the detail shown. */
  isAdmin: (req: FastifyRequest) => boolean;
}

/**
 * GET /healthz. Anyone gets `{ status: "up" | "degraded" | "down" }` (503 when down: the store
 * is unreachable); the per-plugin detail (upstream error text, addresses, the phone number's
 * name) only with the admin token. Plugin checks are cached for `ttlMs`, so probing this route
 * never turns into a flood of calls to the ERP or to Meta.
 */
export function registerHealth(app: FastifyInstance, o: HealthOptions): void {
  const cache = new Map<string, { at: number; health: Health }>();
  const pluginHealth = async (key: string, check: () => Promise<Health>): Promise<Health> => {
    const cached = cache.get(key);
    const nowMs = o.clock.now().getTime();
    if (cached && nowMs - cached.at < o.ttlMs) return cached.health;
    let health: Health;
    try {
      health = await check();
    } catch (error) {
      health = { ok: false, detail: isReguaError(error) ? error.describe() : (error as Error).message };
    }
    cache.set(key, { at: nowMs, health });
    return health;
  };

  app.get("/healthz", async (req, reply) => {
    let store: Health;
    try {
      await o.store.getCursor("__healthz", "customers");
      store = { ok: true, detail: "reachable" };
    } catch (error) {
      store = { ok: false, detail: (error as Error).message };
    }
    const plugins = await Promise.all([
      ...o.connectors.map(async (c) => ({
        kind: "source",
        id: c.id,
        ...(await pluginHealth(`s:${c.id}`, () => c.instance.healthCheck())),
      })),
      ...o.channels.map(async (c) => ({
        kind: "channel",
        id: c.id,
        ...(await pluginHealth(`c:${c.id}`, () => c.instance.healthCheck())),
      })),
    ]);
    const status = !store.ok ? "down" : plugins.every((p) => p.ok) ? "up" : "degraded";
    reply.code(store.ok ? 200 : 503);
    return o.isAdmin(req) ? { status, store, plugins } : { status };
  });
}
