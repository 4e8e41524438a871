import { createHmac, randomUUID } from "node:crypto";

/**
 * QuickBooks webhook notifications, signed as Intuit signs them (developer.intuit.com →
 * Webhooks: the `intuit-signature` header is the base64 HMAC-SHA256 of the raw body, keyed
 * with the app's verifier token). Two payload formats, both from Intuit's developer blog
 * "Upcoming change to webhooks payload structure" (2025-11-12):
 *
 * - legacy: `{"eventNotifications":[{"realmId","dataChangeEvent":{"entities":[{"id","operation",
 *   "name","lastUpdated"}]}}]}`;
 * - CloudEvents (mandatory from 2026-05-15): a JSON array of `{"specversion":"1.0","id","source",
 *   "type":"qbo.<entity>.<operation>.v1","datacontenttype","time","intuitentityid",
 *   "intuitaccountid","data":{}}`.
 */
export type WebhookOperation = "Create" | "Update" | "Delete" | "Merge" | "Void" | "Emailed";

export interface EntityChange {
  realmId: string;
  name: string;
  id: string;
  operation: WebhookOperation;
  lastUpdated: string;
}

export type WebhookFormat = "cloudevents" | "legacy";

const PAST: Record<WebhookOperation, string> = {
  Create: "created",
  Update: "updated",
  Delete: "deleted",
  Merge: "merged",
  Void: "voided",
  Emailed: "emailed",
};

export function webhookBody(format: WebhookFormat, changes: readonly EntityChange[]): string {
  if (format === "cloudevents") {
    return JSON.stringify(
      changes.map((c) => ({
        specversion: "1.0",
        id: randomUUID(),
        source: "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
        type: `qbo.${c.name.toLowerCase()}.${PAST[c.operation]}.v1`,
        datacontenttype: "application/json",
        time: new Date(Date.parse(c.lastUpdated)).toISOString(),
        intuitentityid: c.id,
        intuitaccountid: c.realmId,
        data: {},
      })),
    );
  }
  const realms = [...new Set(changes.map((c) => c.realmId))];
  return JSON.stringify({
    eventNotifications: realms.map((realmId) => ({
      realmId,
      dataChangeEvent: {
        entities: changes
          .filter((c) => c.realmId === realmId)
          .map((c) => ({
            id: c.id,
            operation: c.operation,
            name: c.name,
            lastUpdated: new Date(Date.parse(c.lastUpdated)).toISOString(),
          })),
      },
    })),
  });
}

export function signWebhook(body: string, verifierToken: string): string {
  return createHmac("sha256", verifierToken).update(body, "utf8").digest("base64");
}
