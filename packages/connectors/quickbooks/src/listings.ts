import { pageOf } from "@regua/connector-kit";
import type { Customer, EntityName, Invoice, ListQuery, Page, Payment, PluginContext } from "@regua/core";
import type { z } from "zod";
import type { QuickBooksClient } from "./client.js";
import { type MapContext, mapCustomer, mapInvoice, mapPayment } from "./map.js";
import { type Cursor, checkpoint, later, mapRows } from "./pages.js";
import { type Criterion, statement } from "./query.js";
import * as Qbo from "./schemas.js";

/** CDC looks back at most 30 days (ChangeDataCapture reference); keep an hour of margin. */
const CDC_LOOKBACK_MS = 30 * 86_400_000 - 3_600_000;
/** CDC answers at most this many objects per entity and cannot page. */
export const CDC_CAP = 1000;
const STAMP_FIELD = "MetaData.LastUpdatedTime";

/** What the listings share within one connector instance. */
export interface QboSource {
  client: QuickBooksClient;
  ctx: PluginContext;
  pageSize: number;
  /** Query pages a listing keeps requested ahead (the realm's concurrency). */
  depth: number;
  /** Home currency, terms and the instance id (built once, terms re-read hourly). */
  mapContext(): Promise<MapContext>;
}

interface Spec<TRow extends { Id: string; MetaData: { LastUpdatedTime: string } }, TOut> {
  qbo: "Customer" | "Invoice" | "Payment";
  entity: EntityName;
  schema: z.ZodType<TRow>;
  /** The mapper for one page, given its Ids (customers read their credits first). */
  mapPage(ids: string[], ctx: MapContext): Promise<(row: TRow) => TOut>;
}

const CUSTOMERS: Spec<Qbo.Customer, Customer> = {
  qbo: "Customer",
  entity: "customers",
  schema: Qbo.Customer,
  mapPage: async (_ids, ctx) => (row) => mapCustomer(row, ctx),
};
const INVOICES: Spec<Qbo.Invoice, Invoice> = {
  qbo: "Invoice",
  entity: "invoices",
  schema: Qbo.Invoice,
  mapPage: async (_ids, ctx) => (row) => mapInvoice(row, ctx),
};
const PAYMENTS: Spec<Qbo.Payment, Payment> = {
  qbo: "Payment",
  entity: "payments",
  schema: Qbo.Payment,
  mapPage: async (_ids, ctx) => (row) => mapPayment(row, ctx),
};

export function listCustomers(
  src: QboSource,
  query: ListQuery,
  credits: (ids: string[]) => Promise<Map<string, number>>,
): AsyncIterable<Page<Customer>> {
  const spec: Spec<Qbo.Customer, Customer> = {
    ...CUSTOMERS,
    mapPage: async (ids, ctx) => {
      const owed = await credits(ids);
      return (row) => mapCustomer(row, { ...ctx, credits: owed });
    },
  };
  return listEntity(src, spec, query);
}

export const listInvoices = (src: QboSource, query: ListQuery) => listEntity(src, INVOICES, query);
export const listPayments = (src: QboSource, query: ListQuery) => listEntity(src, PAYMENTS, query);

const FULL: Cursor = { phase: "full", since: null, max: null, position: 1, reconcile: false };

/**
 * A listing: the whole entity from the start (no cursor), the rest of an interrupted one, or
 * what changed since the last one through CDC. A checkpoint older than CDC's 30-day look-back
 * ends at once with no cursor, so the engine's next sync is a full one with its deletion diff.
 */
async function* listEntity<TRow extends { Id: string; MetaData: { LastUpdatedTime: string } }, TOut>(
  src: QboSource,
  spec: Spec<TRow, TOut>,
  query: ListQuery,
): AsyncIterable<Page<TOut>> {
  const start = checkpoint.decode(query.cursor, `${src.ctx.instanceId} ${spec.entity}`);
  if (start === null || start.phase !== "done" || start.max === null) {
    yield* pagedQuery(src, spec, start && start.phase !== "done" ? start : FULL);
    return;
  }
  if (Date.parse(start.max) < src.ctx.clock.now().getTime() - CDC_LOOKBACK_MS) {
    src.ctx.log.warn(
      { event: "quickbooks.full_reconcile", entity: spec.entity, since: start.max },
      `${spec.entity}: last sync older than CDC's 30 days; the next sync lists everything`,
    );
    yield { items: [], cursor: null };
    return;
  }
  yield* changesSince(src, spec, start.max);
}

/**
 * GET /cdc for one entity. A full answer (1000 objects, no paging) falls back to a paged query
 * of the same window. Deleted objects cannot be listed as records: their ids are logged and the
 * listing ends with no cursor, so the next sync is a full one whose diff marks them deleted
 * (webhooks mark them at once).
 */
async function* changesSince<TRow extends { Id: string; MetaData: { LastUpdatedTime: string } }, TOut>(
  src: QboSource,
  spec: Spec<TRow, TOut>,
  since: string,
): AsyncIterable<Page<TOut>> {
  const rows = (await src.client.cdc([spec.qbo], since)).get(spec.qbo) ?? [];
  if (rows.length >= CDC_CAP) {
    src.ctx.log.info(
      { event: "quickbooks.cdc_full", entity: spec.entity, since },
      "CDC answer full; paging a query instead",
    );
    yield* pagedQuery(src, spec, { phase: "changes", since, max: since, position: 1, reconcile: true });
    return;
  }
  const deleted = rows.flatMap((row) => {
    const tombstone = Qbo.Tombstone.safeParse(row);
    return tombstone.success ? [tombstone.data] : [];
  });
  const active = rows.filter((row) => !Qbo.Tombstone.safeParse(row).success);
  const ctx = await src.mapContext();
  const map = await spec.mapPage(idsOf(active), ctx);
  const { items, rejects, parsed } = mapRows(active, spec.schema, map, spec.entity);
  let max: string | null = since;
  for (const row of parsed) max = later(max, row.MetaData.LastUpdatedTime);
  for (const row of deleted) max = later(max, row.MetaData?.LastUpdatedTime);
  if (deleted.length) {
    src.ctx.log.info(
      { event: "quickbooks.deleted", entity: spec.entity, ids: deleted.map((d) => d.Id) },
      `${spec.entity} deleted in QuickBooks: the next sync lists everything to mark them`,
    );
  }
  const done: Cursor = { phase: "done", since: null, max, position: 1, reconcile: false };
  yield pageOf(items, rejects, deleted.length ? null : checkpoint.encode(done));
}

/**
 * Pages at known positions (STARTPOSITION = 1, 1 + size, …), yielded in order; a short page is
 * the last. The first page is asked for alone, so a small company's listing costs one request.
 * When it is full, the listing asks how many rows the query has (`select count(*)` with the same
 * filter, one request) and from then on keeps up to `src.depth` pages requested ahead of the one
 * being mapped (the realm's 10 in flight): the kit's limiter sends them at the realm's pace, so
 * a slow answer (Intuit takes a second or more for 1000 rows) never leaves the pace idle, and
 * none is asked for past the last counted page. Rows added while listing make that page full;
 * the listing then goes on a page at a time until a short one. Without a count (the request
 * failed, or no totalCount) it keeps BLIND_AHEAD pages ahead, a few of them past the end.
 */
const BLIND_AHEAD = 4;

async function* pagedQuery<TRow extends { Id: string; MetaData: { LastUpdatedTime: string } }, TOut>(
  src: QboSource,
  spec: Spec<TRow, TOut>,
  from: Cursor,
): AsyncIterable<Page<TOut>> {
  const cursor = { ...from };
  const where: Criterion[] =
    cursor.phase === "changes" && cursor.since ? [{ field: STAMP_FIELD, op: ">=", value: cursor.since }] : [];
  const orderBy = where.length ? STAMP_FIELD : "Id";
  const fetchAt = (position: number) => {
    const request = src.client.query(
      spec.qbo,
      statement({ entity: spec.qbo, where, orderBy, startPosition: position, maxResults: src.pageSize }),
    );
    request.catch(() => undefined); // awaited below; a page abandoned by the caller must not crash the process
    return request;
  };
  const ctx = await src.mapContext();
  const ahead: Promise<unknown[]>[] = [];
  let requested = cursor.position;
  /** Pages worth keeping ahead, and the STARTPOSITION past the last counted row. */
  let depth = 1;
  let end = Number.POSITIVE_INFINITY;
  let counting = false;
  let closed = false;
  const fill = () => {
    while (!closed && ahead.length < depth && requested < end) {
      ahead.push(fetchAt(requested));
      requested += src.pageSize;
    }
  };
  const count = () => {
    counting = true;
    src.client
      .count(statement({ entity: spec.qbo, count: true, where }))
      .then(
        (total) => {
          depth = total === null ? BLIND_AHEAD : Math.max(1, src.depth);
          if (total !== null) end = total + 1;
        },
        () => {
          depth = BLIND_AHEAD;
        },
      )
      .then(fill);
  };
  try {
    fill(); // the first page alone
    for (;;) {
      const rows = await (ahead.shift() as Promise<unknown[]>);
      const last = rows.length < src.pageSize;
      if (last) closed = true;
      else {
        if (!counting) count();
        fill();
        // The counted rows are all asked for and this page was full: rows were added since.
        if (ahead.length === 0) {
          ahead.push(fetchAt(requested));
          requested += src.pageSize;
        }
      }
      const map = await spec.mapPage(idsOf(rows), ctx);
      const { items, rejects, parsed } = mapRows(rows, spec.schema, map, spec.entity);
      for (const row of parsed) cursor.max = later(cursor.max, row.MetaData.LastUpdatedTime);
      cursor.position += rows.length;
      if (!last) {
        yield pageOf(items, rejects, checkpoint.encode(cursor));
        continue;
      }
      const done: Cursor = { phase: "done", since: null, max: cursor.max, position: 1, reconcile: false };
      yield pageOf(items, rejects, cursor.reconcile ? null : checkpoint.encode(done));
      return;
    }
  } finally {
    closed = true; // a count answering after the caller stopped asks for nothing more
  }
}

function idsOf(rows: readonly unknown[]): string[] {
  return rows.flatMap((row) => {
    const id = (row as { Id?: unknown } | null)?.Id;
    return typeof id === "string" ? [id] : [];
  });
}
