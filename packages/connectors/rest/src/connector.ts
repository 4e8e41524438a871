import { defineCheckpoint, paginate } from "@regua/connector-kit";
import {
  type CollectionActivity,
  type Connector,
  type EntityName,
  type Health,
  type Invoice,
  isReguaError,
  type ListQuery,
  type Page,
  type PluginContext,
  type RecordReject,
  ValidationError,
} from "@regua/core";
import { createRestClient, pagingStrategy } from "./client.js";
import { getPath, type MapResult, type MapSettings, mapCustomer, mapInvoice, mapPayment } from "./map.js";
import type { ResourceOptions, RestConnectorOptions } from "./options.js";
import { formatSince } from "./paging.js";
import { type ErpRecord, ErpRecordList, RestCursor } from "./schemas.js";
import { parseWebhook, verifyWebhook } from "./webhook.js";
import { writeActivity } from "./writeback.js";

/** The listing's resume point: the change marker, the next page's token, the newest updatedAt seen. */
const Checkpoint = defineCheckpoint({ kind: "@regua/connector-rest", version: 1, schema: RestCursor });
const START: RestCursor = { since: null, next: null, high: null };

const later = (a: string | null, b: string | null) => (a === null ? b : b === null || a >= b ? a : b);

/**
 * The connector: lists pages through the client, maps each record, and keeps the cursor.
 * A cursor holds the change marker the listing runs from, the next page position, and the
 * newest updatedAt seen; the last page's cursor starts the next incremental listing there.
 */
export function createRestConnector(options: RestConnectorOptions, ctx: PluginContext): Connector {
  const client = createRestClient(options, ctx);
  const { customers, invoices, payments } = options.resources;
  const settings = (statusMap = {}): MapSettings => ({
    source: ctx.instanceId,
    currency: options.currency,
    defaultRegion: options.defaultRegion,
    country: options.country ?? options.defaultRegion,
    formats: { decimalSeparator: options.decimalSeparator, dateOrder: options.dateOrder },
    statusMap,
  });
  const customerSettings = settings();
  const invoiceSettings = settings(invoices.statusMap);

  async function* list<T extends { updatedAt: string | null }>(
    entity: EntityName,
    resource: ResourceOptions,
    map: (raw: ErpRecord, index: number) => MapResult<T>,
    query: ListQuery,
  ): AsyncIterable<Page<T>> {
    const start = Checkpoint.decode(query.cursor, `${ctx.instanceId} ${entity}`) ?? START;
    const since = start.since;
    let high = start.next === null ? null : start.high;
    const marker =
      since !== null && resource.since
        ? { [resource.since.param]: formatSince(since, resource.since.format) }
        : {};
    const pages = paginate(
      client,
      { method: "GET", url: resource.path, params: { ...resource.query, ...marker } },
      pagingStrategy(resource.paging),
      {
        resume: start.next,
        select: (response) => (resource.list ? getPath(response.data, resource.list) : response.data),
      },
    );
    for await (const page of pages) {
      const items: T[] = [];
      const rejects: RecordReject[] = [];
      records(resource, page.items).forEach((raw, index) => {
        const mapped = map(raw, index);
        if (mapped.ok) {
          items.push(mapped.record);
          high = later(high, mapped.record.updatedAt);
        } else {
          rejects.push(mapped.reject);
        }
      });
      const next = page.items.length === 0 ? null : page.next;
      const cursor: RestCursor =
        next === null
          ? { since: resource.since ? later(since, high) : null, next: null, high: null }
          : { since, next, high };
      yield { items, cursor: Checkpoint.encode(cursor), ...(rejects.length > 0 ? { rejects } : {}) };
      if (next === null) return;
    }
  }

  /** The page's records must be JSON objects; anything else is the ERP (or the `list` path) being wrong. */
  function records(resource: ResourceOptions, items: unknown[]): ErpRecord[] {
    const parsed = ErpRecordList.safeParse(items);
    if (parsed.success) return parsed.data;
    throw new ValidationError(
      `${client.system}: GET ${resource.path}: expected an array of records at ${resource.list ?? "the body's root"}`,
      [{ path: resource.list ?? "", message: "not an array of objects" }],
      { provider: { system: client.system } },
    );
  }

  const connector: Connector = {
    capabilities: {
      payments: payments !== undefined,
      getInvoice: options.getInvoice !== undefined,
      writeActivity: options.activities !== undefined,
      webhooks: options.webhook !== undefined,
    },
    listCustomers: (query) =>
      list(
        "customers",
        customers,
        (raw, i) => mapCustomer(raw, customers.fields, customerSettings, i),
        query,
      ),
    listInvoices: (query) =>
      list("invoices", invoices, (raw, i) => mapInvoice(raw, invoices.fields, invoiceSettings, i), query),
    async healthCheck(): Promise<Health> {
      const started = ctx.clock.now().getTime();
      const path = options.health?.path ?? customers.path;
      try {
        await client.request({
          method: "GET",
          url: path,
          params: options.health ? {} : probeParams(customers),
          retry: false,
        });
        return {
          ok: true,
          detail: `${client.system}: GET ${path} answered`,
          latencyMs: ctx.clock.now().getTime() - started,
        };
      } catch (error) {
        return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
      }
    },
    async close() {},
  };

  const webhook = options.webhook;
  if (webhook) {
    connector.webhook = {
      verify: (req) => verifyWebhook(req, webhook),
      parse: (req) => parseWebhook(req, webhook, client.system),
    };
  }

  if (payments) {
    connector.listPayments = (query) =>
      list("payments", payments, (raw, i) => mapPayment(raw, payments.fields, customerSettings, i), query);
  }
  const single = options.getInvoice;
  if (single) {
    connector.getInvoice = async (externalId: string): Promise<Invoice | null> => {
      const url = single.path.replace("{id}", encodeURIComponent(externalId));
      const answer = await client.request({ method: "GET", url, allow: [404] });
      if (answer.status === 404) return null;
      const raw = single.record ? getPath(answer.data, single.record) : answer.data;
      const mapped = mapInvoice(raw, invoices.fields, invoiceSettings);
      if (mapped.ok) return mapped.record;
      throw new ValidationError(`${client.system}: invoice ${externalId}: ${mapped.reject.error}`, [], {
        where: `${ctx.instanceId} invoices ${externalId}`,
        provider: { system: client.system },
      });
    };
  }
  const activities = options.activities;
  if (activities) {
    connector.writeActivity = (activity: CollectionActivity) => writeActivity(client, activities, activity);
  }
  return connector;
}

/** The smallest listing a health check can ask for. */
function probeParams(resource: ResourceOptions): Record<string, string | number> {
  const paging = resource.paging;
  if (paging.style === "page") return { [paging.pageParam]: paging.firstPage, [paging.sizeParam]: 1 };
  if (paging.style === "offset") return { [paging.offsetParam]: 0, [paging.limitParam]: 1 };
  if ((paging.style === "cursor" || paging.style === "link") && paging.sizeParam)
    return { [paging.sizeParam]: 1 };
  return {};
}

export type { EntityName };
