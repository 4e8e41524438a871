import type { HttpClient } from "@regua/connector-kit";
import { type CollectionActivity, ValidationError } from "@regua/core";
import { setProperty } from "dot-prop";
import { getPath } from "./map.js";
import type { RestConnectorOptions } from "./options.js";
import { ErpId, ErpRecordList } from "./schemas.js";

export type ActivityOptions = NonNullable<RestConnectorOptions["activities"]>;

/** Canonical activity → the ERP's request body, by the configured field map (pure). */
export function activityBody(
  activity: CollectionActivity,
  options: ActivityOptions,
): Record<string, unknown> {
  const f = options.fields;
  const body: Record<string, unknown> = {};
  if (f.key) setProperty(body, f.key, activity.key);
  setProperty(body, f.kind, options.kindMap[activity.kind] ?? activity.kind);
  setProperty(body, f.customerRef, activity.customerRef);
  setProperty(body, f.invoiceRefs, activity.invoiceRefs);
  setProperty(body, f.occurredAt, activity.occurredAt);
  if (f.channel) setProperty(body, f.channel, activity.channel);
  if (f.providerMessageId) setProperty(body, f.providerMessageId, activity.providerMessageId);
  setProperty(body, f.subject, activity.subject);
  if (f.details) setProperty(body, f.details, activity.details);
  return body;
}

function idOf(client: HttpClient, options: ActivityOptions, record: unknown, what: string): string {
  const id = ErpId.safeParse(getPath(record, options.id));
  if (!id.success) {
    throw new ValidationError(`${client.system}: ${what} has no id at "${options.id}"`, [
      { path: options.id, message: "missing" },
    ]);
  }
  return id.data;
}

/**
 * Writes an activity at most once per key. With an idempotency header the ERP deduplicates
 * (201 created, 200 already there), so the kit may retry the POST. Otherwise the key is looked up
 * first and the POST is sent once: a failure goes back to the engine, whose retry looks up again.
 */
export async function writeActivity(
  client: HttpClient,
  options: ActivityOptions,
  activity: CollectionActivity,
): Promise<{ externalId: string; created: boolean }> {
  const header = options.idempotencyHeader;
  const lookup = options.lookup;
  if (lookup) {
    const answer = await client.request({
      method: "GET",
      url: lookup.path.replace("{key}", encodeURIComponent(activity.key)),
    });
    const matches = ErpRecordList.safeParse(lookup.list ? getPath(answer.data, lookup.list) : answer.data);
    const [existing] = matches.success ? matches.data : [];
    if (existing)
      return { externalId: idOf(client, options, existing, "the activity found by key"), created: false };
  }
  const answer = await client.request({
    method: "POST",
    url: options.path,
    data: activityBody(activity, options),
    headers: header ? { [header]: activity.key } : {},
    idempotent: header !== undefined,
  });
  const record = options.record ? getPath(answer.data, options.record) : answer.data;
  return {
    externalId: idOf(client, options, record, "the created activity"),
    created: header ? answer.status !== 200 : true,
  };
}
