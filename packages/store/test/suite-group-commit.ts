import type { ActionOutcome, ActionPatch, ActionStatus } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, activity, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LATER = "2026-03-10T12:05:00.000Z";
const RETRY_AT = "2026-03-10T13:00:00.000Z";
const LEASE_END = "2026-03-10T12:10:00.000Z";

/**
 * Group commit (issue 10) with groups as the engine makes them under load and worse: several
 * shapes of outcome in one group, lost and won compare-and-sets side by side, keys repeated,
 * more outcomes than one statement's worth. PostgreSQL writes a group set-based (one statement
 * per run of distinct keys); these answers are the ones outcome-by-outcome writing gives.
 */
export function groupCommitTests(factory: StoreFactory): void {
  const store = useStore(factory);

  /** `sending` keys, then `claimed` keys (by w1, for 15 minutes): what a dispatch has in flight. */
  async function inFlight(sending: readonly string[], claimed: readonly string[] = []): Promise<void> {
    const keys = [...sending, ...claimed];
    await store().insertActions(
      keys.map((key) => action(key, { dueAt: AT })),
      AT,
    );
    await store().claimDueActions({ now: NOW, limit: keys.length, workerId: "w1", leaseMs: 900_000 });
    if (sending.length > 0) await store().transitionActions(sending, ["claimed"], "sending", { at: NOW });
  }

  const outcome = (
    key: string,
    from: readonly ActionStatus[],
    to: ActionStatus,
    patch: Omit<ActionPatch, "at">,
    event = `action.${to}`,
  ): ActionOutcome => ({
    key,
    from,
    to,
    patch: { at: LATER, ...patch },
    activities: [activity(`${key}:${event}`)],
    audit: [{ at: LATER, actor: "w1", action: event, subject: key, detail: { key } }],
  });
  const auditActions = async () =>
    (await store().listAudit({ limit: 1_000 })).map((entry) => `${entry.subject}:${entry.action}`).reverse();
  const activityKeys = async () =>
    (await store().listActivities({ limit: 1_000 })).map((row) => row.key).sort();

  it("moves each outcome of a group of mixed shapes as its own patch says", async () => {
    await inFlight(["sent", "retry", "unknown", "settled", "lost"], ["moving", "theirs"]);
    // "theirs" changes hands: w2 holds it now, so w1's lease-held move must lose.
    await store().transitionAction("theirs", ["claimed"], "planned", { at: NOW, claimedUntil: null });
    await store().claimDueActions({ now: NOW, limit: 1, workerId: "w2", leaseMs: 60_000 });
    await store().transitionAction("settled", ["sending"], "unknown", { at: NOW });
    const group = [
      outcome("sent", ["sending", "unknown"], "sent", {
        providerMessageId: "wamid.sent",
        sentAt: LATER,
        claimedUntil: null,
      }),
      outcome("retry", ["sending"], "planned", {
        incrementAttempts: true,
        dueAt: RETRY_AT,
        statusReason: "HTTP 503 from the provider",
        claimedUntil: null,
      }),
      outcome("moving", ["claimed"], "sending", { claimedUntil: LEASE_END, leaseHolder: "w1" }),
      outcome("theirs", ["claimed"], "sending", { claimedUntil: LEASE_END, leaseHolder: "w1" }),
      outcome("unknown", ["sending"], "unknown", { statusReason: "timed out", claimedUntil: null }),
      outcome("settled", ["unknown"], "planned", { reconciled: "resent", dueAt: RETRY_AT }),
      outcome("lost", ["claimed"], "failed", { statusReason: "never sent" }),
    ];
    expect(await store().commitOutcomes(group)).toEqual([true, true, true, false, true, true, false]);

    expect(await store().getAction("sent")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.sent",
      sentAt: LATER,
      claimedBy: null,
      claimedUntil: null,
      attempts: 0,
    });
    expect(await store().getAction("retry")).toMatchObject({
      status: "planned",
      attempts: 1,
      dueAt: RETRY_AT,
      statusReason: "HTTP 503 from the provider",
      providerMessageId: null,
      claimedBy: null,
    });
    expect(await store().getAction("moving")).toMatchObject({
      status: "sending",
      claimedBy: "w1",
      claimedUntil: LEASE_END,
    });
    expect(await store().getAction("theirs")).toMatchObject({ status: "claimed", claimedBy: "w2" });
    expect(await store().getAction("unknown")).toMatchObject({
      status: "unknown",
      statusReason: "timed out",
      claimedBy: null,
    });
    expect(await store().getAction("settled")).toMatchObject({
      status: "planned",
      reconciled: "resent",
      dueAt: RETRY_AT,
      claimedBy: "w1",
    });
    expect(await store().getAction("lost")).toMatchObject({ status: "sending", statusReason: null });
    const moved = ["sent", "retry", "moving", "unknown", "settled"];
    const events = ["sent", "planned", "sending", "unknown", "planned"];
    expect(await auditActions()).toEqual(moved.map((key, i) => `${key}:action.${events[i]}`));
    expect(await activityKeys()).toEqual(moved.map((key, i) => `${key}:action.${events[i]}`).sort());
  });

  it("answers a group of 150 outcomes one by one, and audits the moved ones in the group's order", async () => {
    const keys = Array.from({ length: 150 }, (_, i) => `k${String(i).padStart(3, "0")}`);
    await inFlight(keys);
    // Every third outcome asks for the wrong status and loses.
    const group = keys.map((key, i) =>
      outcome(key, i % 3 === 2 ? ["claimed"] : ["sending"], "sent", {
        providerMessageId: `wamid.${key}`,
        sentAt: LATER,
        claimedUntil: null,
      }),
    );
    const answers = await store().commitOutcomes(group);
    expect(answers).toEqual(keys.map((_, i) => i % 3 !== 2));
    const moved = keys.filter((_, i) => i % 3 !== 2);
    expect(await auditActions()).toEqual(moved.map((key) => `${key}:action.sent`));
    expect(await activityKeys()).toEqual(moved.map((key) => `${key}:action.sent`));
    expect(await store().getAction("k002")).toMatchObject({ status: "sending", providerMessageId: null });
    expect(await store().getAction("k148")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.k148",
    });
  });

  it("writes a shared activity key once, with the record of the first outcome that moved", async () => {
    await inFlight(["a", "b", "c"]);
    const shared = (subject: string) => activity("customer:C1:reminded", { subject });
    const withShared = (key: string, from: readonly ActionStatus[]): ActionOutcome => ({
      ...outcome(key, from, "sent", { claimedUntil: null }),
      activities: [shared(`from ${key}`), activity(`${key}:own`), shared(`again from ${key}`)],
    });
    // a loses, so its copy of the shared activity is not written; b's is, c's finds it there.
    const answers = await store().commitOutcomes([
      withShared("a", ["claimed"]),
      withShared("b", ["sending"]),
      withShared("c", ["sending"]),
    ]);
    expect(answers).toEqual([false, true, true]);
    const rows = await store().listActivities({ limit: 100 });
    expect(rows.map((row) => row.key).sort()).toEqual(["b:own", "c:own", "customer:C1:reminded"]);
    expect(rows.find((row) => row.key === "customer:C1:reminded")?.activity.subject).toBe("from b");
  });

  it("runs an outcome whose key came earlier in the group after it, and answers each", async () => {
    await inFlight(["a", "b"]);
    const group = [
      outcome("a", ["sending"], "sent", { claimedUntil: null }),
      outcome("b", ["sending"], "unknown", { statusReason: "timed out" }),
      // Each sees what the ones before it wrote: a is sent now, b is unknown.
      outcome("a", ["sending"], "failed", { statusReason: "too late" }),
      outcome("b", ["unknown"], "sent", { providerMessageId: "wamid.b" }),
      outcome("a", ["sent"], "sent", { providerMessageId: "wamid.a" }, "action.confirmed"),
    ];
    expect(await store().commitOutcomes(group)).toEqual([true, true, false, true, true]);
    expect(await store().getAction("a")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.a",
      statusReason: null,
    });
    expect(await store().getAction("b")).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.b",
      statusReason: "timed out",
    });
    expect(await auditActions()).toEqual([
      "a:action.sent",
      "b:action.unknown",
      "b:action.sent",
      "a:action.confirmed",
    ]);
  });

  it("writes nothing of a group of several runs when a later run cannot be written", async () => {
    await inFlight(["a", "b"]);
    const poisoned: ActionOutcome = {
      ...outcome("a", ["sent"], "sent", {}),
      // JSON.stringify cannot serialise a BigInt.
      audit: [{ at: LATER, actor: "w1", action: "action.sent", subject: "a", detail: { big: 1n } }],
    };
    const group = store().commitOutcomes([
      outcome("a", ["sending"], "sent", { claimedUntil: null }),
      outcome("b", ["sending"], "sent", { claimedUntil: null }),
      poisoned,
    ]);
    await expect(group).rejects.toThrow(/BigInt/);
    for (const key of ["a", "b"]) expect(await store().getAction(key)).toMatchObject({ status: "sending" });
    expect(await store().listActivities({})).toEqual([]);
    expect(await store().listAudit({})).toEqual([]);
  });
}
