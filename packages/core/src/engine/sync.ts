import type { Connector, EntityName, Page, RecordReject } from "../contracts.js";
import { ConfigError } from "../errors.js";
import { withRetry } from "../retry.js";
import type { QuarantinedRecord, SyncPage } from "../store-port.js";
import { audit, describeError, type EngineContext, nowIso, retryOptions } from "./context.js";
import { reconcileDeletions } from "./reconcile.js";
import { applyStatusChanges } from "./status-changes.js";
import type { EntitySyncResult, SyncOptions, SyncSummary } from "./types.js";
import { checkPage } from "./validate.js";
import { engineWork, type HeldUnit, takeUnit } from "./work-lease.js";

const ALL_ENTITIES: readonly EntityName[] = ["customers", "invoices", "payments"];

interface EntityJob {
  source: string;
  connector: Connector;
  entity: EntityName;
  full: boolean;
  signal: AbortSignal | undefined;
  onProgress: SyncOptions["onProgress"];
  /** The source's lease (shareWork): checked before every write. */
  lease: HeldUnit | null;
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
  const { since } = options;
  const entities: EntitySyncResult[] = [];
  const skipped: string[] = [];
  // The targeted syncs of ERP webhooks (`only`) stay outside the leases: they must not wait for a
  // scheduled sync, and read only the entities an event named.
  const shared = ctx.shareWork && only === undefined;
  for (const source of sources) {
    const connector = connectorFor(ctx, source);
    options.signal?.throwIfAborted();
    let lease: HeldUnit | null = null;
    if (shared) {
      const unit = `sync:${source}`;
      const take = await takeUnit(engineWork(ctx), unit, since === undefined ? {} : { since });
      if (take.taken === null) {
        skipped.push(unit);
        ctx.log.debug(
          {
            unit,
            reason: take.reason,
            ...(take.reason === "done" ? { lastStartedAt: take.lastStartedAt } : {}),
          },
          take.reason === "busy"
            ? `${unit} skipped: another worker holds its lease`
            : `${unit} skipped: another worker synced it since ${since}`,
        );
        continue;
      }
      lease = take.taken;
    }
    let done = false;
    try {
      for (const entity of entitiesOf(connector, only)) {
        options.signal?.throwIfAborted();
        if (lease?.lost()) break;
        const job = { source, connector, entity, full: options.full === true, signal: options.signal, lease };
        entities.push(await syncEntity(ctx, { ...job, onProgress: options.onProgress }));
      }
      done = !lease?.lost();
    } finally {
      await lease?.finish(done);
    }
  }
  return {
    entities,
    records: entities.reduce((n, e) => n + e.records, 0),
    rejects: entities.reduce((n, e) => n + e.rejects, 0),
    quarantined: entities.reduce((n, e) => n + e.quarantined, 0),
    paidNow: entities.reduce((n, e) => n + e.paidNow, 0),
    stopped: entities.reduce((n, e) => n + e.stopped, 0),
    deleted: entities.reduce((n, e) => n + e.deleted, 0),
    errors: entities.filter((e) => e.error !== null).length,
    skipped,
  };
}

/** Pages as the connector yields them: unknown until the engine parsed them. */
function listPages(
  connector: Connector,
  entity: EntityName,
  cursor: string | null,
): AsyncIterable<Page<unknown>> {
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
    quarantined: 0,
    paidNow: 0,
    stopped: 0,
    deleted: 0,
    error: null,
  };
  const rejects: RecordReject[] = [];
  const pass = new FullPass();
  let resumeCursor = job.full ? null : await ctx.store.getCursor(job.source, job.entity);
  // Only a listing from the very beginning sees every record: the deletion diff needs one.
  const complete = resumeCursor === null;
  try {
    await withRetry(
      async () => {
        for await (const page of listPages(job.connector, job.entity, resumeCursor)) {
          job.signal?.throwIfAborted();
          await job.lease?.keep();
          await commitPage(ctx, job, page, result, rejects, pass);
          resumeCursor = page.cursor;
        }
      },
      retryOptions(ctx, ctx.syncAttempts, job.signal),
    );
    if (complete) await job.lease?.confirm();
    if (complete) await reconcileDeletions(ctx, { ...job, passStartedAt: startedAt, pass, result });
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

/** What a full pass saw besides stored records: the deletion diff must not delete these. */
export class FullPass {
  /** Records the ERP has but that did not land (quarantined or rejected): not deleted. */
  readonly kept = new Set<string>();
  /** A quarantined record without a readable key: the diff cannot tell what is missing. */
  unknownKept = false;
  listed = 0;
}

async function commitPage(
  ctx: EngineContext,
  job: EntityJob,
  page: Page<unknown>,
  result: EntitySyncResult,
  rejects: RecordReject[],
  pass: FullPass,
): Promise<void> {
  const at = nowIso(ctx);
  const checked = checkPage({ source: job.source, entity: job.entity, at }, page);
  const { customers, invoices, payments } = checked;
  // What the connector itself could not map is kept beside what failed the core schema: one
  // quarantine for an operator to read, committed with the page.
  const refused = (page.rejects ?? []).map((reject) => quarantineReject(job.source, reject, at));
  const quarantined = [...checked.quarantined, ...refused];
  const syncPage: SyncPage = { source: job.source, entity: job.entity, cursor: page.cursor, at, quarantined };
  if (customers) syncPage.customers = customers;
  if (invoices) syncPage.invoices = invoices;
  if (payments) syncPage.payments = payments;
  const committed = await ctx.store.commitPage(syncPage);
  result.pages += 1;
  result.records += checked.valid;
  pass.listed += page.items.length;
  for (const record of checked.quarantined) {
    result.quarantined += 1;
    if (record.externalId === null) pass.unknownKept = true;
    else pass.kept.add(record.externalId);
    ctx.log.warn(
      { source: job.source, entity: job.entity, externalId: record.externalId },
      `quarantined: ${record.error}`,
    );
  }
  for (const reject of page.rejects ?? []) {
    rejects.push(reject);
    pass.kept.add(reject.externalId);
    result.rejects += 1;
    await reportReject(ctx, job.source, reject);
  }
  if (committed.stale > 0) {
    // Another sync (an ERP webhook's, another runner's) stored newer copies first: they stand.
    ctx.log.info(
      { source: job.source, entity: job.entity, stale: committed.stale },
      `${committed.stale} ${job.entity} older than the stored copies were not applied`,
    );
  }
  const tally = await applyStatusChanges(ctx, job.source, committed.changes);
  result.paidNow += tally.paid;
  result.stopped += tally.stopped;
  job.onProgress?.({ source: job.source, entity: job.entity, records: result.records });
}

/** A record the connector refused, as a quarantine entry (its words stand for the zod issues). */
function quarantineReject(source: string, reject: RecordReject, at: string): QuarantinedRecord {
  const { entity, externalId, error } = reject;
  return {
    source,
    entity,
    externalId,
    issues: [{ path: "", message: error }],
    error: `${source} ${entity} ${externalId}: ${error}`,
    raw: reject.raw ?? null,
    at,
  };
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
