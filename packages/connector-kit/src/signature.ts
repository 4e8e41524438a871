import { createHmac, timingSafeEqual } from "node:crypto";
import type { RawRequest } from "@regua/core";

/** A header of a webhook request, whatever its case; the first value when it came twice. */
export function headerOf(req: RawRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const key = Object.keys(req.headers).find((k) => k.toLowerCase() === wanted);
  const value = key === undefined ? undefined : req.headers[key];
  return Array.isArray(value) ? value[0] : value;
}

/** Equal bytes, compared in constant time (a length mismatch answers at once: lengths are public). */
export function constantTimeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface HmacSignature {
  secret: string;
  /** How the vendor writes the digest: Meta and GitHub hex, Intuit and Shopify base64. */
  encoding: "hex" | "base64";
  /** Text before the digest in the header ("sha256=" for Meta and GitHub); default none. */
  prefix?: string;
}

/**
 * Whether `given` (a signature header's value) is the HMAC-SHA256 of the raw body keyed with the
 * secret: the check behind Meta's X-Hub-Signature-256, Intuit's intuit-signature and most ERPs'
 * webhooks. The body is the bytes as received, never re-serialised JSON.
 */
export function hmacSha256Matches(
  rawBody: Buffer,
  given: string | undefined,
  signature: HmacSignature,
): boolean {
  if (given === undefined || signature.secret === "") return false;
  const prefix = signature.prefix ?? "";
  const text = given.trim();
  if (!text.toLowerCase().startsWith(prefix.toLowerCase())) return false;
  const digest = text.slice(prefix.length);
  const pattern = signature.encoding === "hex" ? /^[0-9a-f]{64}$/i : /^[A-Za-z0-9+/]{43}=$/;
  if (!pattern.test(digest)) return false;
  const expected = createHmac("sha256", signature.secret).update(rawBody).digest();
  return constantTimeEqual(Buffer.from(digest, signature.encoding), expected);
}
