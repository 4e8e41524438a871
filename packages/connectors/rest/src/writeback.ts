import { type CollectionActivity, ValidationError } from "@regua/core";
import type { RestClient } from "./client.js";
import { getPath } from "./map.js";
import type { RestConnectorOptions } from "./options.js";
import { ErpId, ErpRecordList } from "./schemas.js";

export type ActivityOptions = NonNullable<RestConnectorOptions["activities"]>;

/** Sets a dot path in a plain object, creating the objects on the way. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let current = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof current[key] !== "object" || current[key] === null) current[key] = {};
    current = current[key] as Record<string, unknown>;
  }
  current[keys.at(-1) as string] = value;
}

/** Canonical activity → the ERP's request body, by the configured field map (pure). */
export function activityBody(
  activity: CollectionActivity,
  options: ActivityOptions,
): Record<string, unknown> {
  const f = options.fields;
  const body: Record<string, unknown> = {};
  if (f.key) setPath(body, f.key, activity.key);
  setPath(body, f.kind, options.kindMap[activity.kind] ?? activity.kind);
  setPath(body, f.customerRef, activity.customerRef);
  setPath(body, f.invoiceRefs, activity.invoiceRefs);
  setPath(body, f.occurredAt, activity.occurredAt);
  if (f.channel) setPath(body, f.channel, activity.channel);
  if (f.providerMessageId) setPath(body, f.providerMessageId, activity.providerMessageId);
  setPath(body, f.subject, activity.subject);
  if (f.details) setPath(body, f.details, activity.details);
  return body;
}

function idOf(client: RestClient, options: ActivityOptions, record: unknown, what: string): string {
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
 * (201 created, 200 already there) and the POST itself is retried safely. Otherwise the key is
 * looked up first and the lookup + POST pair is retried as a whole.
 */
export async function writeActivity(
  client: RestClient,
  options: ActivityOptions,
  activity: CollectionActivity,
): Promise<{ externalId: string; created: boolean }> {
  const header = options.idempotencyHeader;
  const post = async (retry: boolean) => {
    const answer = await client.request(
      {
        method: "POST",
        url: options.path,
        data: activityBody(activity, options),
        headers: header ? { [header]: activity.key } : {},
      },
      retry,
    );
    const record = options.record ? getPath(answer.data, options.record) : answer.data;
    return {
      externalId: idOf(client, options, record, "the created activity"),
      created: header ? answer.status !== 200 : true,
    };
  };
  const lookup = options.lookup;
  if (header && !lookup) return post(true);
  return client.retrying(async () => {
    if (lookup) {
      const answer = await client.request(
        { method: "GET", url: lookup.path.replace("{key}", encodeURIComponent(activity.key)) },
        false,
      );
      const matches = ErpRecordList.safeParse(lookup.list ? getPath(answer.data, lookup.list) : answer.data);
      const [existing] = matches.success ? matches.data : [];
      if (existing)
        return { externalId: idOf(client, options, existing, "the activity found by key"), created: false };
    }
    return post(false);
  });
}
