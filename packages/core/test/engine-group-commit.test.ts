import { describe, expect, it, vi } from "vitest";
import type { PlannedAction } from "../src/actions.js";
import { ManualClock } from "../src/clock.js";
import { OutcomeCommitter, SendingMoves } from "../src/engine/group-commit.js";
import type { ActionOutcome } from "../src/store-port.js";
import { recordingLogger } from "./support/clocks-and-logs.js";
import { harness, ids, invoice, plannedFor } from "./support/harness.js";
import { MemoryStore } from "./support/memory-store.js";

const AT = "2026-03-10T12:00:00.000Z";

/** A store with `keys` claimed by w1, spied on. */
async function claimed(keys: readonly string[]) {
  const store = new MemoryStore();
  const planned = (key: string): PlannedAction => ({
    key,
    source: "erp",
    customerRef: "C1",
    invoiceRefs: ["I1"],
    stepId: "d3",
    kind: "message",
    channel: "wa",
    template: null,
    dueAt: AT,
    expiresAt: null,
    payload: {},
    trace: [],
  });
  await store.insertActions(keys.map(planned), AT);
  await store.claimDueActions({ now: AT, limit: keys.length, workerId: "w1", leaseMs: 60_000 });
  const commitOutcome = vi.spyOn(store, "commitOutcome");
  const commitOutcomes = vi.spyOn(store, "commitOutcomes");
  return { store, commitOutcome, commitOutcomes };
}

const skip = (key: string, from: ActionOutcome["from"] = ["claimed"]): ActionOutcome => ({
  key,
  from,
  to: "skipped",
  patch: { at: AT, statusReason: "paid" },
  audit: [{ at: AT, actor: "w1", action: "action.skipped", subject: key, detail: {} }],
});

describe("OutcomeCommitter", () => {
  it("commits the outcomes asked for in one turn in one transaction, each answered on its own", async () => {
    const { store, commitOutcome, commitOutcomes } = await claimed(["a", "b", "c"]);
    const committer = new OutcomeCommitter(store, recordingLogger());
    const answers = await Promise.all([
      committer.commit(skip("a")),
      committer.commit(skip("b", ["sending"])),
      committer.commit(skip("c")),
    ]);
    expect(answers).toEqual([true, false, true]);
    expect(commitOutcomes).toHaveBeenCalledTimes(1);
    expect(commitOutcomes.mock.calls[0]?.[0].map((o) => o.key)).toEqual(["a", "b", "c"]);
    expect(commitOutcome).toHaveBeenCalledTimes(3); // the memory store's group calls it per outcome
    expect(store.auditLog.map((e) => e.subject)).toEqual(["a", "c"]);
    expect(store.actions.get("b")?.status).toBe("claimed");
  });

  it("commits an outcome alone at once, through commitOutcome, with no timer", async () => {
    const { store, commitOutcome, commitOutcomes } = await claimed(["a"]);
    const committer = new OutcomeCommitter(store, recordingLogger());
    const answer = committer.commit(skip("a"));
    await new Promise((resolve) => setImmediate(resolve));
    expect(commitOutcome).toHaveBeenCalledTimes(1);
    expect(await answer).toBe(true);
    expect(commitOutcomes).not.toHaveBeenCalled();
  });

  it("splits a turn's outcomes into transactions of at most the cap", async () => {
    const keys = Array.from({ length: 7 }, (_, i) => `k${i}`);
    const { store, commitOutcomes } = await claimed(keys);
    const committer = new OutcomeCommitter(store, recordingLogger(), 3);
    expect(await Promise.all(keys.map((key) => committer.commit(skip(key))))).toEqual(keys.map(() => true));
    expect(commitOutcomes.mock.calls.map(([outcomes]) => outcomes.length)).toEqual([3, 3]);
    expect(store.actions.get("k6")?.status).toBe("skipped"); // the seventh alone
  });

  it("when the group fails, commits each again alone: only the outcome that cannot be written fails", async () => {
    const { store, commitOutcome } = await claimed(["a", "b", "c"]);
    commitOutcome.mockImplementation(async (outcome) => {
      if (outcome.key === "b") throw new Error("disk I/O error");
      return MemoryStore.prototype.commitOutcome.call(store, outcome);
    });
    const log = recordingLogger();
    const committer = new OutcomeCommitter(store, log);
    const answers = await Promise.allSettled(["a", "b", "c"].map((key) => committer.commit(skip(key))));
    expect(answers.map((a) => (a.status === "fulfilled" ? a.value : String(a.reason)))).toEqual([
      true,
      "Error: disk I/O error",
      true,
    ]);
    expect(store.auditLog.map((e) => e.subject)).toEqual(["a", "c"]);
    expect(log.lines.some((line) => line.msg.includes("one by one"))).toBe(true);
  });

  it("an error of the store itself reaches every caller of the group", async () => {
    const { store, commitOutcome, commitOutcomes } = await claimed(["a", "b"]);
    const gone = new Error("the database is closed");
    commitOutcomes.mockRejectedValue(gone);
    commitOutcome.mockRejectedValue(gone);
    const committer = new OutcomeCommitter(store, recordingLogger());
    const answers = await Promise.allSettled(["a", "b"].map((key) => committer.commit(skip(key))));
    expect(answers).toEqual([
      { status: "rejected", reason: gone },
      { status: "rejected", reason: gone },
    ]);
  });
});

/** `count` customers with a phone and an overdue invoice each, synced and planned. */
async function plannedBook(count: number, limits = { sendConcurrency: 8, claimBatch: 20 }) {
  const h = harness({ limits });
  await plannedFor(h, ids(count));
  return h;
}

describe("engine.dispatch group-commits its outcomes", () => {
  it("skips of concurrent deliveries share one transaction", async () => {
    const h = await plannedBook(6);
    for (let i = 1; i <= 6; i++) h.connector.put("invoices", invoice(`I${i}`, `C${i}`, { status: "paid" }));
    const commitOutcomes = vi.spyOn(h.store, "commitOutcomes");
    expect(await h.engine.dispatch()).toMatchObject({ claimed: 6, skipped: 6 });
    expect(commitOutcomes).toHaveBeenCalledTimes(1);
    expect(commitOutcomes.mock.calls[0]?.[0]).toHaveLength(6);
    const rows = await h.store.listActions({});
    expect(rows.map((row) => [row.status, row.statusReason])).toEqual(rows.map(() => ["skipped", "paid"]));
  });

  it("sends answered together share a transaction, and each row gets its own provider id", async () => {
    const h = await plannedBook(12);
    const send = h.channel.send.bind(h.channel);
    vi.spyOn(h.channel, "send").mockImplementation(async (message) => {
      // The provider's answer takes a few turns of the event loop: the sends in flight overlap.
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      return send(message);
    });
    const commitOutcome = vi.spyOn(h.store, "commitOutcome");
    const commitOutcomes = vi.spyOn(h.store, "commitOutcomes");
    expect(await h.engine.dispatch()).toMatchObject({ claimed: 12, sent: 12 });
    const groups = commitOutcomes.mock.calls.map(([outcomes]) => outcomes.length);
    expect(Math.max(...groups)).toBeGreaterThan(1);
    const transactions = groups.length + commitOutcome.mock.calls.length - groups.reduce((a, b) => a + b, 0);
    expect(transactions).toBeLessThan(12);
    for (const { providerMessageId, message } of h.channel.accepted) {
      const row = await h.store.getAction(message.actionKey);
      expect(row).toMatchObject({ status: "sent", providerMessageId });
      const activity = h.store.activities.get(`${message.actionKey}:message_sent`);
      expect(activity?.activity).toMatchObject({ providerMessageId, actionKey: message.actionKey });
    }
    expect(h.store.auditLog.filter((e) => e.action === "action.sent")).toHaveLength(12);
  });
});

describe("SendingMoves", () => {
  it("moves the sends asked for in one turn in one compare-and-set, each answered on its own", async () => {
    const { store } = await claimed(["a", "b", "c"]);
    await store.transitionAction("b", ["claimed"], "planned", { at: AT, claimedUntil: null });
    const many = vi.spyOn(store, "transitionActions");
    const moves = new SendingMoves(store, new ManualClock(new Date(AT)), "w1", 60_000);
    expect(await Promise.all([moves.move("a"), moves.move("b"), moves.move("c")])).toEqual([
      true,
      false,
      true,
    ]);
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]?.slice(0, 3)).toEqual([["a", "b", "c"], ["claimed"], "sending"]);
    expect(store.actions.get("a")).toMatchObject({
      status: "sending",
      claimedUntil: "2026-03-10T12:01:00.000Z",
    });
    // A later turn is a statement of its own; another worker's claim does not move.
    const other = new SendingMoves(store, new ManualClock(new Date(AT)), "w2", 60_000);
    await store.transitionAction("a", ["sending"], "claimed", { at: AT });
    expect(await other.move("a")).toBe(false);
    expect(many).toHaveBeenCalledTimes(2);
  });

  it("rejects every move of a turn whose statement failed", async () => {
    const { store } = await claimed(["a", "b"]);
    vi.spyOn(store, "transitionActions").mockRejectedValueOnce(new Error("database gone"));
    const moves = new SendingMoves(store, new ManualClock(new Date(AT)), "w1", 60_000);
    const answers = await Promise.allSettled([moves.move("a"), moves.move("b")]);
    expect(answers.map((a) => a.status)).toEqual(["rejected", "rejected"]);
    expect(store.actions.get("a")?.status).toBe("claimed");
  });
});
