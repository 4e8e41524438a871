import type { AlertCondition, AlertFacts } from "@regua/core";
import type { AlertsConfig } from "./schema.js";

/** What the rules decided: conditions that hold, and rule keys they could not judge (kept as they are). */
export interface RuleVerdict {
  active: AlertCondition[];
  /** Keys whose state must not change this time (too little data to resolve on). */
  undecided: string[];
}

const minutes = (ms: number) => Math.floor(ms / 60_000);

/** Pure: the store's facts and the thresholds → the alerts that hold at `now`. */
export function evaluateRules(facts: AlertFacts, config: AlertsConfig, now: string): RuleVerdict {
  const nowMs = Date.parse(now);
  const active: AlertCondition[] = [];
  const undecided: string[] = [];
  for (const source of facts.sources) {
    const subject = source.source;
    const sinceOk = source.lastOkAt ? minutes(nowMs - Date.parse(source.lastOkAt)) : null;
    if (source.lastError !== null) {
      active.push({
        key: `sync_failed:${subject}`,
        rule: "sync_failed",
        subject,
        severity: "critical",
        title: `Source ${subject}: sync failing`,
        text: `The last sync of ${subject} failed: ${source.lastError}`,
        fields: [
          { name: "Source", value: subject },
          { name: "Last run", value: source.lastRunAt },
          { name: "Last good sync", value: source.lastOkAt ?? "never" },
        ],
      });
    } else if (sinceOk !== null && sinceOk > config.sync.lagMinutes) {
      active.push({
        key: `sync_lagging:${subject}`,
        rule: "sync_lagging",
        subject,
        severity: "warning",
        title: `Source ${subject}: no sync for ${sinceOk} minutes`,
        text: `No sync of ${subject} finished for ${sinceOk} minutes (threshold ${config.sync.lagMinutes}).`,
        fields: [
          { name: "Source", value: subject },
          { name: "Last good sync", value: source.lastOkAt ?? "never" },
        ],
      });
    }
  }
  const { reached, failed } = facts.window;
  const settled = reached + failed;
  if (settled < config.errorRate.minMessages) undecided.push("error_rate:messages");
  else if ((failed / settled) * 100 > config.errorRate.percent) {
    const percent = ((failed / settled) * 100).toFixed(1);
    active.push({
      key: "error_rate:messages",
      rule: "error_rate",
      subject: "messages",
      severity: "warning",
      title: `${percent} % of messages failed in the last ${config.errorRate.windowMinutes} minutes`,
      text: `${failed} of ${settled} messages settled since ${facts.window.since} failed (threshold ${config.errorRate.percent} %).`,
      fields: [
        { name: "Failed", value: String(failed) },
        { name: "Settled", value: String(settled) },
      ],
    });
  }
  if (facts.deadActivities > config.deadLetters.max) {
    active.push({
      key: "dead_letters:activities",
      rule: "dead_letters",
      subject: "activities",
      severity: "warning",
      title: `${facts.deadActivities} write-back activities dead-lettered`,
      text: "Collection activities could not be written to the ERP after every retry; see `regua report`.",
      fields: [{ name: "Dead-lettered", value: String(facts.deadActivities) }],
    });
  }
  const oldest = facts.oldestDue;
  const lateBy = oldest ? minutes(nowMs - Date.parse(oldest.dueAt)) : 0;
  if (oldest && lateBy > config.backlog.maxAgeMinutes) {
    active.push({
      key: "dispatch_backlog:outbox",
      rule: "dispatch_backlog",
      subject: "outbox",
      severity: "warning",
      title: `Sends waiting ${lateBy} minutes past their due time`,
      text: `The oldest waiting send (${oldest.key}) was due at ${oldest.dueAt}: dispatch is not keeping up or not running.`,
      fields: [
        { name: "Oldest due", value: oldest.dueAt },
        { name: "Channel", value: oldest.channel ?? "-" },
      ],
    });
  }
  return { active, undecided };
}
