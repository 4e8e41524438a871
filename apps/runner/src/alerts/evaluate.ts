import type { AlertCondition, AlertRow, AlertStore, ChannelAccountStore, Clock, Logger } from "@regua/core";
import type { Notification, Notifier } from "../notify/index.js";
import { type AccountFacts, type CredentialFact, evaluateAccountRules } from "./account-rules.js";
import { evaluateRules } from "./rules.js";
import type { AlertsConfig } from "./schema.js";

/** The rules this module decides; a firing alert of one of them clears when it no longer holds. */
const BUILT_IN = new Set([
  "sync_failed",
  "sync_lagging",
  "error_rate",
  "dead_letters",
  "dispatch_backlog",
  "template_paused",
  "channel_degraded",
  "channel_paused",
  "credential_expiring",
]);

export interface AlertRunDeps {
  alerts: AlertStore;
  notifier: Notifier;
  config: AlertsConfig;
  clock: Clock;
  log: Logger;
  /** Channel accounts (template statuses, quality, suspension); absent: those rules hold nothing. */
  accounts?: ChannelAccountStore | undefined;
  /**
   * The sources' credentials with a known end. `unread` names sources whose connector could
   * not say this time: their credential alerts keep their state.
   */
  credentials?: () => Promise<{ facts: CredentialFact[]; unread: string[] }>;
}

export interface AlertRunResult {
  opened: string[];
  resolved: string[];
  /** Notifications sent (per alert and phase), whatever their outcome. */
  sent: number;
}

/**
 * One evaluation: read the facts, open the alerts that hold, resolve those that no longer do,
 * then deliver what is owed. State lives in the store (AlertStore), so a restart neither sends
 * an open alert again nor forgets to send its resolve; a target that missed a message gets it
 * at the next evaluation, the others do not get it twice.
 */
export async function runAlerts(deps: AlertRunDeps): Promise<AlertRunResult> {
  const now = deps.clock.now().toISOString();
  const since = new Date(Date.parse(now) - deps.config.errorRate.windowMinutes * 60_000).toISOString();
  const facts = await deps.alerts.facts({ now, since });
  const verdict = evaluateRules(facts, deps.config, now);
  const account = await accountFacts(deps);
  const active = [...verdict.active, ...evaluateAccountRules(account, deps.config, now)];
  const unread = account.unread.map((source) => `credential_expiring:${source}/`);
  const undecided = (key: string) =>
    verdict.undecided.includes(key) || unread.some((prefix) => key.startsWith(prefix));
  const result: AlertRunResult = { opened: [], resolved: [], sent: 0 };
  await applyVerdict(deps, active, undecided, now, result);
  result.sent = await deliverOwed(deps);
  return result;
}

async function applyVerdict(
  deps: AlertRunDeps,
  active: readonly AlertCondition[],
  undecided: (key: string) => boolean,
  now: string,
  result: AlertRunResult,
): Promise<void> {
  for (const condition of active) {
    const { opened } = await deps.alerts.fire(condition, now);
    if (opened) {
      result.opened.push(condition.key);
      deps.log.warn({ alert: condition.key, rule: condition.rule }, `alert: ${condition.title}`);
    }
  }
  const holding = new Set(active.map((c) => c.key));
  for (const row of await deps.alerts.list({ status: "firing" })) {
    if (!BUILT_IN.has(row.rule) || holding.has(row.key) || undecided(row.key)) continue;
    if (await deps.alerts.resolve(row.key, now)) {
      result.resolved.push(row.key);
      deps.log.info({ alert: row.key }, `alert cleared: ${row.title}`);
    }
  }
}

async function accountFacts(deps: AlertRunDeps): Promise<AccountFacts & { unread: string[] }> {
  const [templates, channels, credentials] = await Promise.all([
    deps.accounts?.templateStatuses() ?? [],
    deps.accounts?.channelStates() ?? [],
    deps.credentials?.() ?? { facts: [], unread: [] },
  ]);
  return { templates, channels, credentials: credentials.facts, unread: credentials.unread };
}

/** Start messages not yet delivered everywhere, and resolve messages owed to who got the start. */
async function deliverOwed(deps: AlertRunDeps): Promise<number> {
  let sent = 0;
  const targets = deps.notifier.targets;
  for (const row of await deps.alerts.list({ status: "firing" })) {
    const missing = targets.filter((t) => !row.startDelivered.includes(t));
    if (missing.length === 0) continue;
    sent += await deliver(deps, row, "start", missing);
  }
  for (const row of await deps.alerts.list({ status: "resolved", limit: 100 })) {
    const missing = row.startDelivered.filter((t) => !row.resolveDelivered.includes(t));
    if (missing.length === 0) continue;
    sent += await deliver(deps, row, "resolve", missing);
  }
  return sent;
}

async function deliver(
  deps: AlertRunDeps,
  row: AlertRow,
  phase: "start" | "resolve",
  only: readonly string[],
): Promise<number> {
  const results = await deps.notifier.notify(notificationFor(row, phase), { only });
  const reached = results.filter((r) => r.ok).map((r) => r.target);
  if (reached.length > 0) await deps.alerts.markDelivered(row.key, row.startedAt, phase, reached);
  return 1;
}

export function notificationFor(row: AlertRow, phase: "start" | "resolve"): Notification {
  const status = phase === "start" ? "firing" : "resolved";
  return {
    id: `${row.key}:${row.startedAt}:${status}`,
    status,
    severity: row.severity,
    title: row.title,
    text: phase === "start" ? row.text : `Cleared: ${row.text}`,
    fields: [{ name: "Rule", value: row.rule }, ...row.fields, { name: "Since", value: row.startedAt }],
    at: phase === "start" ? row.startedAt : (row.resolvedAt ?? row.lastSeenAt),
  };
}
