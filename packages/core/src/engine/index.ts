// The engine: sync, plan, dispatch, write-back and events over the DunningStore port.
// It owns no I/O: the store, connectors, channels and clock are injected.
import { resolveContext } from "./context.js";
import { Dispatcher, recoverLeases } from "./dispatch.js";
import { handleChannelEvents } from "./events.js";
import { releasePaymentHold } from "./holds.js";
import { fetchDocument, findCustomersByTaxId, listOpenInvoices } from "./lookups.js";
import { runPlan } from "./plan.js";
import { handleErpEvents } from "./refresh.js";
import { runSync } from "./sync.js";
import type { Engine, EngineOptions } from "./types.js";
import { applyWebhookQueue, enqueueChannelEvents, enqueueErpEvents } from "./webhook-queue.js";
import { runWriteBack } from "./writeback.js";

export { TEMPLATE_RECHECK_MS, templateWaitReason } from "./account-gates.js";
export { PROMISE_AUDIT_ACTION, UNTIL_RELEASED } from "./holds.js";
export { lifecycleAction, PAYMENT_CONFIRMATION_STEP, paymentConfirmation } from "./lifecycle.js";
export type { ChangeTally } from "./status-changes.js";
export type {
  DispatchOptions,
  DispatchSummary,
  Engine,
  EngineLimits,
  EngineOptions,
  EnqueueSummary,
  EntitySyncResult,
  ErpLookups,
  EventSummary,
  InboundRoute,
  PlanOptions,
  PlanSummary,
  RoutedChannelEvent,
  SyncOptions,
  SyncSummary,
  WebhookQueueSummary,
  WriteBackSummary,
} from "./types.js";
export { EVENT_MAX_AGE_MS, EVENT_MAX_SKEW_MS, screenChannelEvent } from "./webhook-queue.js";
export type { HeldUnit, TakeResult, WorkLeaseOptions } from "./work-lease.js";
export { LeaseLostError, takeUnit, WORK_NAMESPACE } from "./work-lease.js";

export function createEngine(options: EngineOptions): Engine {
  const ctx = resolveContext(options);
  const dispatcher = new Dispatcher(ctx);
  return {
    sync: (o) => runSync(ctx, o),
    plan: (o) => runPlan(ctx, o),
    dispatch: (o) => dispatcher.run(o),
    writeBack: (o) => runWriteBack(ctx, o),
    handleChannelEvents: (channelId, events) => handleChannelEvents(ctx, channelId, events),
    handleErpEvents: (sourceId, events) => handleErpEvents(ctx, sourceId, events),
    enqueueChannelEvents: (channelId, events, rawBody) =>
      enqueueChannelEvents(ctx, channelId, events, rawBody),
    enqueueErpEvents: (sourceId, events, rawBody) => enqueueErpEvents(ctx, sourceId, events, rawBody),
    applyWebhookQueue: (o) => applyWebhookQueue(ctx, o),
    releasePaymentHold: (source, customerRef, actor) =>
      releasePaymentHold(ctx, { source, customerRef }, "operator", actor),
    recover: (o) => recoverLeases(ctx, o),
    erp: {
      getDocument: (source, invoice, kind) => fetchDocument(ctx, source, invoice, kind),
      findCustomersByTaxId: (source, taxId) => findCustomersByTaxId(ctx, source, taxId),
      listOpenInvoices: (source, customerRef) => listOpenInvoices(ctx, source, customerRef),
    },
  };
}
