import type { AlertCondition, ChannelStateRow, TemplateStateRow } from "@regua/core";
import type { AlertsConfig } from "./schema.js";

/** A credential of a source with a known end: what the connector reads, or an API key from config. */
export interface CredentialFact {
  source: string;
  name: string;
  expiresAt: string;
}

/** What the account rules read: the channels' provider state and the sources' credentials. */
export interface AccountFacts {
  templates: readonly TemplateStateRow[];
  channels: readonly ChannelStateRow[];
  credentials: readonly CredentialFact[];
}

const DAY_MS = 24 * 60 * 60_000;
const TEMPLATE_CRITICAL = new Set(["disabled", "rejected", "deleted"]);

/** Pure: channel accounts and credentials → the template_paused, channel_* and credential_expiring alerts that hold. */
export function evaluateAccountRules(
  facts: AccountFacts,
  config: AlertsConfig,
  now: string,
): AlertCondition[] {
  const nowMs = Date.parse(now);
  const blocking = new Set<string>(config.templates.statuses);
  const active: AlertCondition[] = [];
  for (const template of facts.templates) {
    if (blocking.has(template.status)) active.push(templatePaused(template));
  }
  for (const channel of facts.channels) {
    const degraded = channelDegraded(channel, config);
    if (degraded) active.push(degraded);
    const suspendedMs = channel.suspendedAt ? nowMs - Date.parse(channel.suspendedAt) : -1;
    if (channel.suspendedReason !== null && suspendedMs >= config.channels.pausedMinutes * 60_000) {
      active.push(channelPaused(channel, channel.suspendedReason));
    }
  }
  for (const credential of facts.credentials) {
    const leftMs = Date.parse(credential.expiresAt) - nowMs;
    if (leftMs <= config.credentials.days * DAY_MS) active.push(credentialExpiring(credential, leftMs));
  }
  return active;
}

function templatePaused(t: TemplateStateRow): AlertCondition {
  const subject = `${t.channel}/${t.name}/${t.language}`;
  return {
    key: `template_paused:${subject}`,
    rule: "template_paused",
    subject,
    severity: TEMPLATE_CRITICAL.has(t.status) ? "critical" : "warning",
    title: `Template ${t.name} (${t.language}) on ${t.channel} is ${t.status}`,
    text:
      `The provider reported ${t.providerEvent} for template ${t.name} (${t.language}). Steps using it ` +
      "send their fallback template, or wait (not failed) until it is approved again.",
    fields: [
      { name: "Channel", value: t.channel },
      { name: "Template", value: `${t.name} (${t.language})` },
      { name: "Status", value: t.status },
      { name: "Provider event", value: t.providerEvent },
      ...(t.reason ? [{ name: "Reason", value: t.reason }] : []),
      ...(t.detail ? [{ name: "Detail", value: t.detail }] : []),
      { name: "Reported at", value: t.at },
    ],
  };
}

function channelDegraded(c: ChannelStateRow, config: AlertsConfig): AlertCondition | null {
  const { quality, minDailyRecipients } = config.channels;
  const lowQuality = quality && c.degraded;
  const lowReach =
    minDailyRecipients > 0 && c.dailyRecipients !== null && c.dailyRecipients < minDailyRecipients;
  if (!lowQuality && !lowReach) return null;
  const limit = c.limit ?? "unknown";
  const reach =
    c.dailyRecipients === null ? "no daily cap known" : `${c.dailyRecipients} customers a rolling 24 h`;
  const change = c.previousLimit ? `${c.previousLimit} → ${limit}` : limit;
  return {
    key: `channel_degraded:${c.channel}`,
    rule: "channel_degraded",
    subject: c.channel,
    severity: "warning",
    title: `Channel ${c.channel}: ${lowQuality ? `quality ${c.qualityEvent ?? "dropped"}` : "messaging limit low"}`,
    text:
      `The provider reported ${c.qualityEvent ?? "a change"}: messaging limit ${change} (${reach}). ` +
      "New customers beyond the limit wait for the next day's window.",
    fields: [
      { name: "Channel", value: c.channel },
      { name: "Messaging limit", value: change },
      { name: "Daily reach", value: reach },
      { name: "Reported at", value: c.qualityAt ?? "-" },
    ],
  };
}

function channelPaused(c: ChannelStateRow, reason: string): AlertCondition {
  return {
    key: `channel_paused:${c.channel}`,
    rule: "channel_paused",
    subject: c.channel,
    severity: "critical",
    title: `Channel ${c.channel} paused: credentials refused`,
    text: `Sends through ${c.channel} are on hold since ${c.suspendedAt ?? "?"}: ${reason}. They resume by themselves once the token works again.`,
    fields: [
      { name: "Channel", value: c.channel },
      { name: "Since", value: c.suspendedAt ?? "-" },
      { name: "Provider said", value: reason },
    ],
  };
}

function credentialExpiring(credential: CredentialFact, leftMs: number): AlertCondition {
  const days = Math.floor(leftMs / DAY_MS);
  const when = leftMs <= 0 ? "has expired" : days === 0 ? "expires today" : `expires in ${days} days`;
  const subject = `${credential.source}/${credential.name}`;
  return {
    key: `credential_expiring:${subject}`,
    rule: "credential_expiring",
    subject,
    severity: leftMs <= 0 ? "critical" : "warning",
    title: `Source ${credential.source}: ${credential.name} ${when}`,
    text: `${credential.name} of ${credential.source} ends at ${credential.expiresAt}; renew it before then or syncs and write-back stop.`,
    fields: [
      { name: "Source", value: credential.source },
      { name: "Credential", value: credential.name },
      { name: "Expires at", value: credential.expiresAt },
    ],
  };
}
