/**
 * What the runner's alerting keeps in the store (migration 0220_alerts): one row per alert key
 * ("sync_failed:matriz"), so one message goes out when an alert starts and one when it clears,
 * across restarts and replicas. Delivery is recorded per target: a retry reaches only the targets
 * that did not get the message yet.
 */
export type AlertSeverity = "critical" | "warning" | "info";

export interface AlertCondition {
  /** rule + ":" + subject; the row's identity. */
  key: string;
  rule: string;
  /** What it is about: a source, a channel, a template. */
  subject: string;
  severity: AlertSeverity;
  title: string;
  text: string;
  fields: { name: string; value: string }[];
}

export interface AlertRow extends AlertCondition {
  status: "firing" | "resolved";
  startedAt: string;
  resolvedAt: string | null;
  /** Last evaluation that saw the condition. */
  lastSeenAt: string;
  /** Targets the start message reached / the resolve message reached. */
  startDelivered: string[];
  resolveDelivered: string[];
}

/** What the built-in rules read from the store in one go. */
export interface AlertFacts {
  /** Per source, over all its entities: the latest run, its error, and the latest run without one. */
  sources: { source: string; lastRunAt: string; lastError: string | null; lastOkAt: string | null }[];
  /** Messages (kinds message and lifecycle) settled since `since`: reached the provider, or failed. */
  window: { since: string; reached: number; failed: number };
  /** Write-back activities dead-lettered (retries used up), waiting for an operator. */
  deadActivities: number;
  /** Sends still waiting (planned or claimed) whose due time is the oldest, or null. */
  oldestDue: { key: string; dueAt: string; channel: string | null } | null;
}

export interface AlertStore {
  facts(query: { now: string; since: string }): Promise<AlertFacts>;
  list(options?: { status?: AlertRow["status"]; limit?: number }): Promise<AlertRow[]>;
  get(key: string): Promise<AlertRow | null>;
  /**
   * The condition holds at `at`: opens the alert (new, or resolved before: a new episode with
   * empty delivery lists), or refreshes the text of a firing one. Returns the row and whether
   * this call opened it.
   */
  fire(condition: AlertCondition, at: string): Promise<{ row: AlertRow; opened: boolean }>;
  /** The condition no longer holds: closes a firing alert; false when it was not firing. */
  resolve(key: string, at: string): Promise<boolean>;
  /** Adds targets to the delivery list of the episode that started at `startedAt`. */
  markDelivered(
    key: string,
    startedAt: string,
    phase: "start" | "resolve",
    targets: readonly string[],
  ): Promise<void>;
}
