import { headerOf, hmacSha256Matches } from "@regua/connector-kit";
import type { EntityName, ErpEvent, RawRequest } from "@regua/core";
import { z } from "zod";

/**
 * QuickBooks webhooks (developer.intuit.com → Webhooks; payload formats from Intuit's blog
 * "Upcoming change to webhooks payload structure", 2025-11-12):
 * - the `intuit-signature` header is the base64 HMAC-SHA256 of the raw body with the app's
 *   verifier token, compared in constant time;
 * - CloudEvents (required from 2026-05-15): an array of `{specversion, id, type:
 *   "qbo.invoice.updated.v1", intuitentityid, intuitaccountid, time, data}`;
 * - legacy: `{"eventNotifications":[{realmId, dataChangeEvent:{entities:[{name,id,operation}]}}]}`.
 * One app endpoint receives every connected company's events: only this source's realm is kept,
 * so several sources (companies) can share the endpoint.
 */
const CloudEvent = z.looseObject({
  specversion: z.string(),
  type: z.string(),
  intuitentityid: z.string().min(1),
  intuitaccountid: z.string().min(1),
});
const Legacy = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: z.string(),
      dataChangeEvent: z.looseObject({
        entities: z.array(z.looseObject({ name: z.string(), id: z.string().min(1), operation: z.string() })),
      }),
    }),
  ),
});
const Payload = z.union([z.array(CloudEvent), Legacy]);

const ENTITIES: Record<string, EntityName> = {
  customer: "customers",
  invoice: "invoices",
  payment: "payments",
};

/** `intuit-signature`: base64 HMAC-SHA256 of the raw body keyed with the app's verifier token. */
export function verifySignature(req: RawRequest, verifierToken: string | undefined): boolean {
  if (!verifierToken) return false;
  return hmacSha256Matches(req.rawBody, headerOf(req, "intuit-signature"), {
    secret: verifierToken,
    encoding: "base64",
  });
}

function event(entityName: string, id: string, operation: string): ErpEvent[] {
  const entity = ENTITIES[entityName.toLowerCase()];
  if (!entity) return [];
  const deleted = /^delete/i.test(operation);
  return [{ kind: deleted ? "deleted" : "changed", entity, externalId: id }];
}

/** The events of this realm, one per entity id (repeated notifications collapse). */
export function parseEvents(req: RawRequest, realmId: string): ErpEvent[] {
  let json: unknown;
  try {
    json = JSON.parse(req.rawBody.toString("utf8"));
  } catch {
    return [];
  }
  const payload = Payload.safeParse(json);
  if (!payload.success) return [];
  const events: ErpEvent[] = Array.isArray(payload.data)
    ? payload.data
        .filter((e) => e.intuitaccountid === realmId)
        .flatMap((e) => {
          // "qbo.invoice.voided.v1" → entity "invoice", operation "voided"
          const [, entity = "", operation = ""] = e.type.split(".");
          return event(entity, e.intuitentityid, operation);
        })
    : payload.data.eventNotifications
        .filter((n) => n.realmId === realmId)
        .flatMap((n) => n.dataChangeEvent.entities.flatMap((e) => event(e.name, e.id, e.operation)));
  const seen = new Map<string, ErpEvent>();
  for (const e of events) {
    const key = `${e.entity}/${e.externalId}`;
    // A deletion wins over a change of the same object in one delivery.
    if (!seen.has(key) || e.kind === "deleted") seen.set(key, e);
  }
  return [...seen.values()];
}
