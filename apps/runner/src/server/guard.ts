import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";

/**
 * Failed authentications (a bad webhook signature, a wrong admin or metrics token) are counted
 * per source address with @fastify/rate-limit. Past the limit the address gets 429 for the rest
 * of the window, before its body is read. Successful requests are never counted, so Meta's
 * legitimate bursts are not throttled.
 */
export interface AuthFailures {
  /** onRequest hook: 429 for an address that is over its failure budget. */
  precheck(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined;
  /** Counts one failure and answers 401 (or 429 once over the limit). */
  reject(req: FastifyRequest, reply: FastifyReply, message: string): Promise<FastifyReply>;
}

const WINDOW_MS = 60_000;

export function createAuthFailures(
  app: FastifyInstance,
  perMinute: number,
  onLimited: (route: string) => void,
): AuthFailures {
  const count = app.createRateLimit({ max: perMinute, timeWindow: WINDOW_MS });
  // Bounded: an attacker rotating addresses evicts old entries instead of growing memory.
  const blocked = new LRUCache<string, true>({ max: 10_000, ttl: WINDOW_MS });
  const tooMany = (reply: FastifyReply, retryAfterS: number) =>
    reply.code(429).header("retry-after", String(retryAfterS)).send({ error: "too many failed attempts" });

  return {
    precheck(req, reply) {
      const remainingMs = blocked.getRemainingTTL(req.ip);
      if (!blocked.has(req.ip)) return undefined;
      onLimited(req.url);
      return tooMany(reply, Math.max(1, Math.ceil(remainingMs / 1000)));
    },
    async reject(req, reply, message) {
      const limit = await count(req);
      if (!limit.isAllowed && limit.isExceeded) {
        blocked.set(req.ip, true, { ttl: limit.ttl > 0 ? limit.ttl : WINDOW_MS });
        onLimited(req.url);
        return tooMany(reply, Math.max(1, Math.ceil(limit.ttl / 1000)));
      }
      return reply.code(401).send({ error: message });
    },
  };
}
