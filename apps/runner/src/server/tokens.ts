import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";

/**
 * Bearer tokens compared in constant time. Both sides are hashed first, so the comparison
 * never leaks the token's length and timingSafeEqual always gets two 32-byte buffers.
 */
export function tokenMatcher(token: string): (req: FastifyRequest) => boolean {
  const expected = createHash("sha256").update(token).digest();
  return (req) => {
    const header = req.headers.authorization;
    const presented = typeof header === "string" && header.startsWith("Bearer ") ? header.slice(7) : "";
    return timingSafeEqual(createHash("sha256").update(presented).digest(), expected);
  };
}
