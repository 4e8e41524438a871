/**
 * How long the server asked us to wait, from its response headers, in ms; undefined when it did
 * not say (or said it in a form we cannot read: then the normal backoff applies).
 *
 * Order (as ky does): `Retry-After` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), then
 * `RateLimit-Reset` (IETF draft: seconds), `X-RateLimit-Retry-After` and `X-RateLimit-Reset`
 * (GitHub, Shopify and others: seconds, or an epoch in seconds).
 * https://www.rfc-editor.org/rfc/rfc9110#field.retry-after
 */
export function retryAfterMs(
  headers: Readonly<Record<string, string | undefined>>,
  nowMs: number,
): number | undefined {
  const retryAfter = headers["retry-after"]?.trim();
  if (retryAfter) {
    const seconds = delaySeconds(retryAfter);
    if (seconds !== undefined) return seconds * 1000;
    // An HTTP-date in any of the three forms RFC 9110 allows; Date.parse reads all of them.
    const at = Date.parse(retryAfter);
    if (Number.isFinite(at)) return Math.max(0, at - nowMs);
  }
  for (const name of ["ratelimit-reset", "x-ratelimit-retry-after", "x-ratelimit-reset"]) {
    const value = headers[name]?.trim();
    const seconds = value ? delaySeconds(value) : undefined;
    if (seconds === undefined) continue;
    // A value past 1e9 is an epoch (2001 onwards), not a delay of 30 years.
    return seconds > 1e9 ? Math.max(0, seconds * 1000 - nowMs) : seconds * 1000;
  }
  return undefined;
}

function delaySeconds(value: string): number | undefined {
  return /^\d+(\.\d+)?$/.test(value) ? Number(value) : undefined;
}
