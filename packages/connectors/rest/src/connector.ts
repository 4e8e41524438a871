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
import { type PagePosition, RestClient } from "./client.js";
import { getPath, type MapResult, type MapSettings, mapCustomer, mapInvoice, mapPayment } from "./map.js";
import type { ResourceOptions, RestConnectorOptions } from "./options.js";
import { type ErpRecord, RestCursor } from "./schemas.js";
import { writeActivity } from "./writeback.js";

function decodeCursor(cursor: string | null | undefined, system: string): RestCursor {
  if (cursor === null || cursor === undefined) return { v: 1, since: null, next: null, high: null };
  try {
    return RestCursor.parse(JSON.parse(cursor));
  } catch {
    throw new ValidationError(`${system}: not a cursor of @regua/connector-rest: ${cursor.slice(0, 80)}`);
  }
}

const later = (a: string | null, b: string | null) => (a === null ? b : b === null || a >= b ? a : b);

/**
 * The connector: lists pages through the client, maps each record, and keeps the cursor.
 * A cursor holds the change marker the listing runs from, the next page position, and the
 * newest updatedAt seen; the last page's cursor starts the next incremental listing there.
 */
export function createRestConnector(options: RestConnectorOptions, ctx: PluginContext): Connector {
  const client = new RestClient(options, ctx);
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
    resource: ResourceOptions,
    map: (raw: ErpRecord, index: number) => MapResult<T>,
    query: ListQuery,
  ): AsyncIterable<Page<T>> {
    const start = decodeCursor(query.cursor, client.system);
    const since = start.since;
    let high = start.next === null ? null : start.high;
    let position: PagePosition = start.next;
    const incremental = resource.since !== undefined;
    for (;;) {
      const { records, next } = await client.listPage(resource, position, since);
      const items: T[] = [];
      const rejects: RecordReject[] = [];
      records.forEach((raw, index) => {
        const mapped = map(raw, index);
        if (mapped.ok) {
          items.push(mapped.record);
          high = later(high, mapped.record.updatedAt);
        } else {
          rejects.push(mapped.reject);
        }
      });
      position = next;
      const cursor: RestCursor =
        next === null
          ? { v: 1, since: incremental ? later(since, high) : null, next: null, high: null }
          : { v: 1, since, next, high };
      yield { items, cursor: JSON.stringify(cursor), ...(rejects.length > 0 ? { rejects } : {}) };
      if (next === null) return;
    }
  }

  const connector: Connector = {
    capabilities: {
      payments: payments !== undefined,
      getInvoice: options.getInvoice !== undefined,
      writeActivity: options.activities !== undefined,
      webhooks: false,
    },
    listCustomers: (query) =>
      list(customers, (raw, i) => mapCustomer(raw, customers.fields, customerSettings, i), query),
    listInvoices: (query) =>
      list(invoices, (raw, i) => mapInvoice(raw, invoices.fields, invoiceSettings, i), query),
    async healthCheck(): Promise<Health> {
      const started = ctx.clock.now().getTime();
      const path = options.health?.path ?? customers.path;
      try {
        await client.request(
          { method: "GET", url: path, params: options.health ? {} : probeParams(customers) },
          false,
        );
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

  if (payments) {
    connector.listPayments = (query) =>
      list(payments, (raw, i) => mapPayment(raw, payments.fields, customerSettings, i), query);
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
