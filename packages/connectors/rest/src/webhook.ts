import { headerOf, hmacSha256Matches } from "@regua/connector-kit";
import type { ErpEvent, RawRequest } from "@regua/core";
import { ValidationError } from "@regua/core";
import { getPath } from "./map.js";
import type { RestWebhookOptions } from "./options.js";

/** The signature header is an HMAC-SHA256 of the raw body keyed with the configured secret. */
export function verifyWebhook(req: RawRequest, options: RestWebhookOptions): boolean {
  return hmacSha256Matches(req.rawBody, headerOf(req, options.signatureHeader), {
    secret: options.secret,
    encoding: options.signatureEncoding,
    prefix: options.signaturePrefix,
  });
}

function json(req: RawRequest, system: string): unknown {
  try {
    return JSON.parse(req.rawBody.toString("utf8"));
  } catch {
    throw new ValidationError(`${system} webhook: the body is not JSON`, [], { where: `${system} webhook` });
  }
}

/**
 * The events of one delivery, in order. An event of a type not in `types` is skipped (ERPs
 * send more than régua needs); an event of a listed type without an id is an error naming the
 * path, so a wrong `id:` setting is seen on the first delivery, not silently dropped.
 */
export function parseWebhook(req: RawRequest, options: RestWebhookOptions, system: string): ErpEvent[] {
  const body = json(req, system);
  const list = options.events === undefined ? body : getPath(body, options.events);
  const events = Array.isArray(list) ? list : options.events === undefined ? [list] : null;
  if (events === null) {
    throw new ValidationError(`${system} webhook: ${options.events}: expected an array of events`, [
      { path: options.events ?? "", message: "not an array" },
    ]);
  }
  return events.flatMap((event, index): ErpEvent[] => {
    const type = getPath(event, options.type);
    const mapping = typeof type === "string" ? options.types[type] : undefined;
    if (!mapping) return [];
    const id = getPath(event, options.id);
    if ((typeof id !== "string" || id === "") && typeof id !== "number") {
      throw new ValidationError(`${system} webhook: event ${index} (${type}): ${options.id}: no record id`, [
        { path: `${index}.${options.id}`, message: "required" },
      ]);
    }
    return [{ kind: mapping.kind, entity: mapping.entity, externalId: String(id) }];
  });
}
