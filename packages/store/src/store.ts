import {
  type AlertStore,
  type ChannelAccountStore,
  type Clock,
  ConfigError,
  type ConversationStore,
  type DunningStore,
  type KeyValueState,
  type OperatorStore,
  type RiskStore,
} from "@regua/core";
import * as actions from "./actions-outbox.js";
import * as activities from "./activities.js";
import { createAlertStore } from "./alerts.js";
import { createChannelAccountStore } from "./channel-accounts.js";
import * as contacts from "./contacts.js";
import { ConversationWatchers, conversationChanges, conversationFeedPosition } from "./conversation-feed.js";
import * as messages from "./conversation-messages.js";
import * as conversations from "./conversations.js";
import * as events from "./events.js";
import { createKeyValueState, deriveKey } from "./kv-state.js";
import * as lifecycle from "./lifecycle.js";
import { createOperatorStore } from "./operators.js";
import * as outcomes from "./outcomes.js";
import * as planState from "./plan-state.js";
import { listQuarantine } from "./quarantine.js";
import { reserveRate } from "./rate-limits.js";
import { report } from "./report.js";
import { ledgerFigures } from "./report-ledger.js";
import { periodFigures } from "./report-period.js";
import { createRiskStore } from "./risk-models.js";
import type { Dialect, StoreContext } from "./schema.js";
import { snapshots } from "./snapshots.js";
import * as sync from "./sync.js";
import * as webhooks from "./webhook-queue.js";

/** What @regua/store returns: the DunningStore port and which dialect is underneath. */
export interface ReguaStore extends DunningStore, ConversationStore {
  readonly dialect: Dialect;
  readonly alerts: AlertStore;
  /** Template statuses, quality and suspension per channel (migration 0290). */
  readonly channelAccounts: ChannelAccountStore;
  /** The operator console's people, sessions and assignments (migration 0270). */
  readonly operators: OperatorStore;
  /** Payment-risk models (migration 0280) and the facts they are trained on. */
  readonly risk: RiskStore;
}

export interface StoreInternals {
  ctx: StoreContext;
  migrate(): Promise<void>;
  close(): Promise<void>;
  secretKey: string | undefined;
  /** Where plugin state takes its instants (lease expiry, updated_at). */
  clock: Clock;
}

/** One implementation over Kysely; the dialect factories only differ in connection and locking. */
export function createKyselyStore(internals: StoreInternals): ReguaStore {
  const { ctx } = internals;
  let key: Buffer | undefined;
  let closing: Promise<void> | undefined;
  const watchers = new ConversationWatchers();
  const store = {
    dialect: ctx.dialect,
    migrate: internals.migrate,
    close: () => {
      closing ??= internals.close();
      return closing;
    },

    getCursor: (source, entity) => sync.getCursor(ctx, source, entity),
    commitPage: (page) => sync.commitPage(ctx, page),
    recordSyncRun: (run) => sync.recordSyncRun(ctx, run),
    getCustomer: (source, externalId) => sync.getCustomer(ctx, source, externalId),
    getInvoice: (source, externalId) => sync.getInvoice(ctx, source, externalId),
    getCustomers: (source, externalIds) => sync.getCustomers(ctx, source, externalIds),
    getInvoices: (source, externalIds) => sync.getInvoices(ctx, source, externalIds),
    upsertInvoice: (invoice, at) => sync.upsertInvoice(ctx, invoice, at),
    findCustomersByPhone: (phone) => sync.findCustomersByPhone(ctx, phone),
    markDeleted: (deletion) => lifecycle.markDeleted(ctx, deletion),
    markUnseenDeleted: (reconcile) => lifecycle.markUnseenDeleted(ctx, reconcile),
    listQuarantine: (options) => listQuarantine(ctx, options),
    snapshots: (options) => snapshots(ctx, options),
    beginPlan: (options) => planState.beginPlan(ctx, options),
    finishPlan: (options) => planState.finishPlan(ctx, options),
    reserveRate: (options) => reserveRate(ctx, options),

    insertActions: (planned, at) => actions.insertActions(ctx, planned, at),
    claimDueActions: (options) => actions.claimDueActions(ctx, options),
    transitionAction: (k, from, to, patch) => actions.transitionAction(ctx, k, from, to, patch),
    transitionActions: (keys, from, to, patch) => actions.transitionActions(ctx, keys, from, to, patch),
    commitOutcome: (outcome) => outcomes.commitOutcome(ctx, outcome),
    commitOutcomes: (list) => outcomes.commitOutcomes(ctx, list),
    getAction: (k) => actions.getAction(ctx, k),
    findActionByProviderMessageId: (id) => actions.findActionByProviderMessageId(ctx, id),
    skipOpenActions: (options) => actions.skipOpenActions(ctx, options),
    recoverExpiredLeases: (now) => actions.recoverExpiredLeases(ctx, now),
    recoverClaimsOf: (options) => outcomes.recoverClaimsOf(ctx, options),
    claimHolders: () => outcomes.claimHolders(ctx),
    listActions: (options) => actions.listActions(ctx, options),
    actionHistory: (source, customerRef) => actions.actionHistory(ctx, source, customerRef),
    markReplied: (k, at) => actions.markReplied(ctx, k, at),

    enqueueActivity: (activity, at) => activities.enqueueActivity(ctx, activity, at),
    claimActivities: (options) => activities.claimActivities(ctx, options),
    completeActivity: (k, result) => activities.completeActivity(ctx, k, result),
    failActivity: (k, failure) => activities.failActivity(ctx, k, failure),
    listActivities: (options) => activities.listActivities(ctx, options),

    recordInboundEvent: (event) => events.recordInboundEvent(ctx, event),
    setOptOut: (optOut) => events.setOptOut(ctx, optOut),
    isOptedOut: (query) => events.isOptedOut(ctx, query),
    optedOut: (query) => events.optedOut(ctx, query),
    setPause: (pause) => contacts.setPause(ctx, pause),
    getPause: (source, customerRef) => contacts.getPause(ctx, source, customerRef),
    flagPhone: (flag) => contacts.flagPhone(ctx, flag),
    clearPhoneFlag: (phone) => contacts.clearPhoneFlag(ctx, phone),
    phoneFlags: (phones) => contacts.phoneFlags(ctx, phones),
    recordMessageCost: (cost) => contacts.recordMessageCost(ctx, cost),
    appendAudit: (entry) => events.appendAudit(ctx, entry),
    listAudit: (options) => events.listAudit(ctx, options),

    enqueueWebhook: (batch) => webhooks.enqueueWebhook(ctx, batch),
    claimWebhookBatch: (options) => webhooks.claimWebhookBatch(ctx, options),
    advanceWebhookBatch: (id, progress) => webhooks.advanceWebhookBatch(ctx, id, progress),
    webhookBacklog: () => webhooks.webhookBacklog(ctx),
    purgeWebhookHistory: (before) => webhooks.purgeWebhookHistory(ctx, before),

    report: (now) => report(ctx, now),
    periodFigures: (period) => periodFigures(ctx, period),
    ledgerFigures: (query) => ledgerFigures(ctx, query),

    openConversation: (input) => conversations.openConversation(ctx, watchers, input),
    getConversation: (id) => conversations.getConversation(ctx, id),
    findOpenConversation: (channel, phone) => conversations.findOpenConversation(ctx, channel, phone),
    updateConversation: (id, patch, expectedVersion) =>
      conversations.updateConversation(ctx, watchers, id, patch, expectedVersion),
    listConversations: (query) => conversations.listConversations(ctx, query),
    listIdleConversations: (options) => conversations.listIdleConversations(ctx, options),
    appendMessage: (message) => messages.appendMessage(ctx, watchers, message),
    updateMessageStatus: (update) => messages.updateMessageStatus(ctx, watchers, update),
    settleOutboundMessage: (id, outcome) => messages.settleOutboundMessage(ctx, watchers, id, outcome),
    listMessages: (id, options) => messages.listMessages(ctx, id, options),
    purgeConversationContent: (before) =>
      messages.purgeConversationContent(ctx, before, internals.clock.now().toISOString()),
    conversationChanges: (options) => conversationChanges(ctx, options),
    conversationFeedPosition: () => conversationFeedPosition(ctx),
    watchConversations: (listener) => watchers.add(listener),
    alerts: createAlertStore(ctx),
    channelAccounts: createChannelAccountStore(ctx),
    operators: createOperatorStore(ctx),
    risk: createRiskStore(ctx),

    state(namespace: string): KeyValueState {
      if (internals.secretKey === undefined) {
        throw new ConfigError(
          "store.state() needs a secretKey: plugin state (OAuth tokens, sessions) is encrypted at rest; " +
            "pass { secretKey } to createSqliteStore/createPostgresStore (the runner takes it from config)",
        );
      }
      key ??= deriveKey(internals.secretKey);
      return createKeyValueState(ctx, key, namespace, internals.clock);
    },
  } satisfies ReguaStore;
  return store;
}
