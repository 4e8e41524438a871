import type { ActionHistoryEntry, ActionRow, ActionStatus, PlannedAction } from "../../src/actions.js";
import type { CollectionActivity } from "../../src/model.js";
import type {
  ActionOutcome,
  ActionPatch,
  ActivityRow,
  ActivityStatus,
  AuditEntry,
} from "../../src/store-port.js";

const clone = <T>(value: T): T => structuredClone(value);
const plus = (iso: string, ms: number) => new Date(new Date(iso).getTime() + ms).toISOString();

/** The action and activity outboxes of the in-memory store (see memory-store.ts). */
export class MemoryOutbox {
  readonly actions = new Map<string, ActionRow>();
  readonly activities = new Map<string, ActivityRow>();
  readonly replies = new Map<string, string>();

  async insertActions(actions: readonly PlannedAction[], at: string): Promise<number> {
    let inserted = 0;
    for (const action of actions) {
      if (this.actions.has(action.key)) continue;
      this.actions.set(action.key, {
        ...clone(action),
        status: "planned",
        attempts: 0,
        claimedBy: null,
        claimedUntil: null,
        providerMessageId: null,
        statusReason: null,
        createdAt: at,
        updatedAt: at,
        sentAt: null,
        reconciled: null,
      });
      inserted += 1;
    }
    return inserted;
  }

  async claimDueActions(options: {
    now: string;
    limit: number;
    workerId: string;
    leaseMs: number;
  }): Promise<ActionRow[]> {
    const due = [...this.actions.values()]
      .filter((a) => a.status === "planned" && a.dueAt <= options.now)
      .sort((a, b) => a.dueAt.localeCompare(b.dueAt) || a.key.localeCompare(b.key))
      .slice(0, options.limit);
    for (const row of due) {
      row.status = "claimed";
      row.claimedBy = options.workerId;
      row.claimedUntil = plus(options.now, options.leaseMs);
      row.updatedAt = options.now;
    }
    return clone(due);
  }

  async transitionAction(key: string, from: readonly ActionStatus[], to: ActionStatus, patch?: ActionPatch) {
    const row = this.actions.get(key);
    if (!row || !from.includes(row.status)) return false;
    if (
      patch?.leaseHolder !== undefined &&
      (row.claimedBy !== patch.leaseHolder || row.claimedUntil === null || row.claimedUntil <= patch.at)
    )
      return false;
    row.status = to;
    if (patch) applyPatch(row, patch);
    return true;
  }

  async transitionActions(
    keys: readonly string[],
    from: readonly ActionStatus[],
    to: ActionStatus,
    patch: ActionPatch,
  ) {
    const moved: string[] = [];
    for (const key of new Set(keys)) if (await this.transitionAction(key, from, to, patch)) moved.push(key);
    return moved;
  }

  /** In memory every call is atomic: the transition, then its activities and audit entries. */
  async commitOutcome(outcome: ActionOutcome): Promise<boolean> {
    if (!(await this.transitionAction(outcome.key, outcome.from, outcome.to, outcome.patch))) return false;
    for (const activity of outcome.activities ?? []) this.insertActivity(activity, outcome.patch.at);
    for (const entry of outcome.audit ?? []) this.auditLog.push(clone(entry));
    return true;
  }

  /**
   * Each outcome as commitOutcome, all or nothing: when one throws, every row, activity and
   * audit entry the group wrote is put back as it was before the error is rethrown.
   */
  async commitOutcomes(outcomes: readonly ActionOutcome[]): Promise<boolean[]> {
    const rowsBefore = new Map(outcomes.map((o) => [o.key, clone(this.actions.get(o.key))]));
    const activitiesBefore = this.activities.size;
    const auditBefore = this.auditLog.length;
    const moved: boolean[] = [];
    try {
      for (const outcome of outcomes) moved.push(await this.commitOutcome(outcome));
      return moved;
    } catch (error) {
      for (const [key, row] of rowsBefore) {
        if (row === undefined) this.actions.delete(key);
        else this.actions.set(key, row);
      }
      // A Map iterates in insertion order: what the group added is after the first size.
      for (const key of [...this.activities.keys()].slice(activitiesBefore)) this.activities.delete(key);
      this.auditLog.length = auditBefore;
      throw error;
    }
  }

  /** The audit entries committed with outcomes (MemoryStore.audit is this same array). */
  readonly auditLog: AuditEntry[] = [];

  async recoverClaimsOf(options: { workerIds: readonly string[]; now: string }) {
    return this.recover(
      options.now,
      (row) => row.claimedBy !== null && options.workerIds.includes(row.claimedBy),
    );
  }

  async claimHolders(): Promise<string[]> {
    const holders = new Set<string>();
    for (const row of this.actions.values())
      if (row.claimedBy !== null && (row.status === "claimed" || row.status === "sending"))
        holders.add(row.claimedBy);
    return [...holders].sort();
  }

  async getAction(key: string): Promise<ActionRow | null> {
    return clone(this.actions.get(key) ?? null);
  }

  async findActionByProviderMessageId(providerMessageId: string): Promise<ActionRow | null> {
    return clone([...this.actions.values()].find((a) => a.providerMessageId === providerMessageId) ?? null);
  }

  async skipOpenActions(options: {
    source: string;
    customerRef: string;
    invoiceRef?: string;
    reason: string;
    at: string;
  }) {
    let skipped = 0;
    for (const row of this.actions.values()) {
      if (row.source !== options.source || row.customerRef !== options.customerRef) continue;
      if (row.status !== "planned" && row.status !== "claimed") continue;
      if (options.invoiceRef !== undefined && !row.invoiceRefs.includes(options.invoiceRef)) continue;
      applyPatch(row, { at: options.at, statusReason: options.reason, claimedUntil: null });
      row.status = "skipped";
      skipped += 1;
    }
    return skipped;
  }

  async recoverExpiredLeases(now: string): Promise<{ released: number; unknown: number }> {
    return this.recover(now, (row) => row.claimedUntil !== null && row.claimedUntil < now);
  }

  /** Claimed rows of lost owners back to planned; their sending rows to unknown. */
  private recover(now: string, lost: (row: ActionRow) => boolean): { released: number; unknown: number } {
    let released = 0;
    let unknown = 0;
    for (const row of this.actions.values()) {
      if (!lost(row)) continue;
      if (row.status === "claimed") {
        row.status = "planned";
        released += 1;
      } else if (row.status === "sending") {
        row.status = "unknown";
        unknown += 1;
      } else continue;
      applyPatch(row, { at: now, claimedUntil: null });
    }
    return { released, unknown };
  }

  async listActions(options: {
    status?: ActionStatus[];
    source?: string;
    customerRef?: string;
    channel?: string;
    sentSince?: string;
    limit?: number;
  }) {
    const since = options.sentSince;
    const rows = [...this.actions.values()].filter(
      (a) =>
        (options.status === undefined || options.status.includes(a.status)) &&
        (options.source === undefined || a.source === options.source) &&
        (options.customerRef === undefined || a.customerRef === options.customerRef) &&
        (options.channel === undefined || a.channel === options.channel) &&
        (since === undefined || (a.sentAt !== null && a.sentAt >= since)),
    );
    if (since !== undefined) rows.sort((a, b) => (b.sentAt ?? "").localeCompare(a.sentAt ?? ""));
    return clone(rows.slice(0, options.limit ?? rows.length));
  }

  async actionHistory(source: string, customerRef: string): Promise<ActionHistoryEntry[]> {
    return [...this.actions.values()]
      .filter((a) => a.source === source && a.customerRef === customerRef)
      .map((a) => ({
        key: a.key,
        stepId: a.stepId,
        invoiceRefs: [...a.invoiceRefs],
        status: a.status,
        dueAt: a.dueAt,
        sentAt: a.sentAt,
        repliedAt: this.replies.get(a.key) ?? null,
      }));
  }

  async markReplied(key: string, at: string): Promise<void> {
    if (this.actions.has(key)) this.replies.set(key, at);
  }

  async enqueueActivity(activity: CollectionActivity, at: string): Promise<boolean> {
    return this.insertActivity(activity, at);
  }

  private insertActivity(activity: CollectionActivity, at: string): boolean {
    if (this.activities.has(activity.key)) return false;
    this.activities.set(activity.key, {
      key: activity.key,
      activity: clone(activity),
      status: "pending",
      attempts: 0,
      nextAttemptAt: at,
      lastError: null,
      externalId: null,
      updatedAt: at,
    });
    return true;
  }

  async claimActivities(options: { now: string; limit: number; workerId: string; leaseMs: number }) {
    const due = [...this.activities.values()]
      .filter((a) => (a.status === "pending" || a.status === "claimed") && a.nextAttemptAt <= options.now)
      .slice(0, options.limit);
    for (const row of due) {
      row.status = "claimed";
      row.nextAttemptAt = plus(options.now, options.leaseMs);
      row.updatedAt = options.now;
    }
    return clone(due);
  }

  async completeActivity(key: string, result: { externalId: string; at: string }): Promise<void> {
    const row = this.activities.get(key);
    if (!row) return;
    Object.assign(row, { status: "written", externalId: result.externalId, updatedAt: result.at });
  }

  async failActivity(
    key: string,
    failure: { error: string; at: string; nextAttemptAt: string; dead: boolean },
  ) {
    const row = this.activities.get(key);
    if (!row) return;
    row.attempts += 1;
    row.lastError = failure.error;
    row.status = failure.dead ? "dead" : "pending";
    row.nextAttemptAt = failure.nextAttemptAt;
    row.updatedAt = failure.at;
  }

  async listActivities(options: { status?: ActivityStatus[]; limit?: number }): Promise<ActivityRow[]> {
    const rows = [...this.activities.values()].filter(
      (a) => options.status === undefined || options.status.includes(a.status),
    );
    return clone(rows.slice(0, options.limit ?? rows.length));
  }
}

function applyPatch(row: ActionRow, patch: ActionPatch): void {
  row.updatedAt = patch.at;
  if (patch.providerMessageId !== undefined) row.providerMessageId = patch.providerMessageId;
  if (patch.statusReason !== undefined) row.statusReason = patch.statusReason;
  if (patch.sentAt !== undefined) row.sentAt = patch.sentAt;
  if (patch.dueAt !== undefined) row.dueAt = patch.dueAt;
  if (patch.reconciled !== undefined) row.reconciled = patch.reconciled;
  if (patch.incrementAttempts) row.attempts += 1;
  if (patch.claimedUntil !== undefined) {
    row.claimedUntil = patch.claimedUntil;
    if (patch.claimedUntil === null) row.claimedBy = null;
  }
}
