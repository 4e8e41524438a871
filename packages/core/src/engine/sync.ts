import type { Connector, EntityName, Page, RecordReject } from "../contracts.js";
import { ConfigError } from "../errors.js";
import type { Customer, Invoice, Payment } from "../model.js";
import { withRetry } from "../retry.js";
import type { SyncPage } from "../store-port.js";
import { audit, describeError, type EngineContext, nowIso, retryOptions } from "./context.js";
import { stopForPaidInvoice } from "./lifecycle.js";
import type { EntitySyncResult, SyncOptions, SyncSummary } from "./types.js";

const ALL_ENTITIES: readonly EntityName[] = ["customers", "invoices", "payments"];

interface EntityJob {
  source: string;
  connector: Connector;
  entity: EntityName;
  full: boolean;
  signal: AbortSignal | undefined;
  onProgress: SyncOptions["onProgress"];
}

export function connectorFor(ctx: EngineContext, source: string): Connector {
  const connector = ctx.connectors.get(source);
  if (!connector) throw new ConfigError(`no connector is configured for source "${source}"`);
  return connector;
}

/** customers, invoices, then payments when the connector can list them. */
function entitiesOf(connector: Connector, only?: readonly EntityName[]): EntityName[] {
  return ALL_ENTITIES.filter(
    (entity) =>
      (entity !== "payments" || (connector.capabilities.payments && connector.listPayments !== undefined)) &&
      (only === undefined || only.includes(entity)),
  );
}

export async function runSync(
  ctx: EngineContext,
  options: SyncOptions = {},
  only?: readonly EntityName[],
): Promise<SyncSummary> {
  const sources = options.source === undefined ? [...ctx.connectors.keys()] : [options.source];
  const entities: EntitySyncResult[] = [];
  for (const source of sources) {
    const connector = connectorFor(ctx, source);
    for (const entity of entitiesOf(connector, only)) {
      options.signal?.throwIfAborted();
      const job = { source, connector, entity, full: options.full === true, signal: options.signal };
      entities.push(await syncEntity(ctx, { ...job, onProgress: options.onProgress }));
    }
  }
  return {
    entities,
    records: entities.reduce((n, e) => n + e.records, 0),
    rejects: entities.reduce((n, e) => n + e.rejects, 0),
    paidNow: entities.reduce((n, e) => n + e.paidNow, 0),
    errors: entities.filter((e) => e.error !== null).length,
  };
}

function listPages(
  connector: Connector,
  entity: EntityName,
  cursor: string | null,
): AsyncIterable<Page<Customer | Invoice | Payment>> {
  if (entity === "customers") return connector.listCustomers({ cursor });
  if (entity === "invoices") return connector.listInvoices({ cursor });
  if (!connector.listPayments) throw new ConfigError("the connector cannot list payments");
  return connector.listPayments({ cursor });
}

/**
 * Pages are committed one by one and the cursor only moves with a committed page. A retryable
 * error re-opens the listing from the last committed cursor (bounded by syncAttempts); any
 * other error ends this entity's sync with the error recorded, and the next run resumes there.
 */
async function syncEntity(ctx: EngineContext, job: EntityJob): Promise<EntitySyncResult> {
  const startedAt = nowIso(ctx);
  const result: EntitySyncResult = {
    source: job.source,
    entity: job.entity,
    pages: 0,
    records: 0,
    rejects: 0,
    paidNow: 0,
    error: null,
  };
  const rejects: RecordReject[] = [];
  let resumeCursor = job.full ? null : await ctx.store.getCursor(job.source, job.entity);
  try {
    await withRetry(
      async () => {
        for await (const page of listPages(job.connector, job.entity, resumeCursor)) {
          job.signal?.throwIfAborted();
          await commitPage(ctx, job, page, result, rejects);
          resumeCursor = page.cursor;
        }
      },
      retryOptions(ctx, ctx.syncAttempts, job.signal),
    );
  } catch (error) {
    result.error = job.signal?.aborted ? "aborted" : describeError(error);
    ctx.log.error({ source: job.source, entity: job.entity, error: result.error }, "sync stopped early");
  }
  const { source, entity, records } = result;
  await ctx.store.recordSyncRun({
    source,
    entity,
    startedAt,
    finishedAt: nowIso(ctx),
    records,
    rejects,
    error: result.error,
  });
  if (job.signal?.aborted) throw job.signal.reason;
  return result;
}

async function commitPage(
  ctx: EngineContext,
  job: EntityJob,
  page: Page<Customer | Invoice | Payment>,
  result: EntitySyncResult,
  rejects: RecordReject[],
): Promise<void> {
  const syncPage: SyncPage = { source: job.source, entity: job.entity, cursor: page.cursor, at: nowIso(ctx) };
  if (job.entity === "customers") syncPage.customers = page.items as Customer[];
  else if (job.entity === "invoices") syncPage.invoices = page.items as Invoice[];
  else syncPage.payments = page.items as Payment[];
  const committed = await ctx.store.commitPage(syncPage);
  result.pages += 1;
  result.records += page.items.length;
  for (const reject of page.rejects ?? []) {
    rejects.push(reject);
    result.rejects += 1;
    await reportReject(ctx, job.source, reject);
  }
  for (const paid of committed.paidNow) {
    result.paidNow += 1;
    await stopForPaidInvoice(ctx, { source: job.source, ...paid });
  }
  job.onProgress?.({ source: job.source, entity: job.entity, records: result.records });
}

/** A bad record never blocks the rest: it is named by source, entity and ERP key, and kept. */
async function reportReject(ctx: EngineContext, source: string, reject: RecordReject): Promise<void> {
  const { entity, externalId, error } = reject;
  ctx.log.warn(
    { source, entity, externalId, error },
    `rejected ${entity} record ${source}/${externalId}: ${error}`,
  );
  await audit(ctx, "sync.reject", `${source}/${entity}/${externalId}`, { source, entity, externalId, error });
}
