import { expect, it } from "vitest";
import { AT, action, activity, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LATER = "2026-03-10T12:05:00.000Z";

/** Issue 18 on both dialects: the transactional outbox, dead predecessors' claims, unknowns. */
export function deliveryTests(factory: StoreFactory): void {
  const store = useStore(factory);

  async function sending(key: string, workerId = "w1"): Promise<void> {
    await store().insertActions([action(key, { dueAt: AT })], AT);
    await store().claimDueActions({ now: NOW, limit: 10, workerId, leaseMs: 60_000 });
    await store().transitionAction(key, ["claimed"], "sending", { at: NOW });
  }

  it("commitOutcome moves the row and writes its activities and audit together", async () => {
    await sending("a");
    const moved = await store().commitOutcome({
      key: "a",
      from: ["sending"],
      to: "sent",
      patch: { at: LATER, providerMessageId: "wamid.1", sentAt: LATER, claimedUntil: null },
      activities: [activity("a:message_sent"), activity("a:message_sent")],
      audit: [{ at: LATER, actor: "w1", action: "action.sent", subject: "a", detail: { attempts: 1 } }],
    });
    expect(moved).toBe(true);
    expect(await store().getAction("a")).toMatchObject({ status: "sent", providerMessageId: "wamid.1" });
    expect((await store().listActivities({})).map((row) => row.key)).toEqual(["a:message_sent"]);
    expect((await store().listAudit({ subject: "a" })).map((e) => e.action)).toEqual(["action.sent"]);
  });

  it("commitOutcome writes nothing when the compare-and-set loses", async () => {
    await sending("a");
    const lost = await store().commitOutcome({
      key: "a",
      from: ["claimed"],
      to: "failed",
      patch: { at: LATER },
      activities: [activity("a:message_failed")],
      audit: [{ at: LATER, actor: "w1", action: "action.failed", subject: "a", detail: {} }],
    });
    expect(lost).toBe(false);
    expect(await store().listActivities({})).toEqual([]);
    expect(await store().listAudit({ subject: "a" })).toEqual([]);
  });

  it("commitOutcome rolls the outcome back when a later write of it fails (one transaction)", async () => {
    await sending("a");
    const failing = store().commitOutcome({
      key: "a",
      from: ["sending"],
      to: "sent",
      patch: { at: LATER, providerMessageId: "wamid.1" },
      activities: [activity("a:message_sent")],
      // JSON.stringify cannot serialise a BigInt: the audit insert throws after the update.
      audit: [{ at: LATER, actor: "w1", action: "action.sent", subject: "a", detail: { big: 1n } }],
    });
    await expect(failing).rejects.toThrow(/BigInt/);
    expect(await store().getAction("a")).toMatchObject({ status: "sending", providerMessageId: null });
    expect(await store().listActivities({})).toEqual([]);
  });

  const sentOutcome = (key: string, activities = [activity(`${key}:message_sent`)]) => ({
    key,
    from: ["sending", "unknown"] as const,
    to: "sent" as const,
    patch: { at: LATER, providerMessageId: `wamid.${key}`, sentAt: LATER, claimedUntil: null },
    activities,
    audit: [{ at: LATER, actor: "w1", action: "action.sent", subject: key, detail: {} }],
  });
  const auditOf = async (key: string) => (await store().listAudit({ subject: key })).map((e) => e.action);

  it("commitOutcomes answers each outcome of the group on its own, in order", async () => {
    for (const key of ["a", "b", "c"]) await sending(key);
    const lost = {
      key: "b",
      from: ["claimed"] as const,
      to: "failed" as const,
      patch: { at: LATER },
      activities: [activity("b:message_failed")],
      audit: [{ at: LATER, actor: "w1", action: "action.failed", subject: "b", detail: {} }],
    };
    const nowhere = { key: "c", from: [], to: "failed" as const, patch: { at: LATER } };
    const moved = await store().commitOutcomes([sentOutcome("a"), lost, nowhere, sentOutcome("c")]);
    expect(moved).toEqual([true, false, false, true]);
    expect(await store().getAction("a")).toMatchObject({ status: "sent", providerMessageId: "wamid.a" });
    expect(await store().getAction("b")).toMatchObject({ status: "sending", providerMessageId: null });
    expect(await store().getAction("c")).toMatchObject({ status: "sent", providerMessageId: "wamid.c" });
    const activities = (await store().listActivities({})).map((row) => row.key).sort();
    expect(activities).toEqual(["a:message_sent", "c:message_sent"]);
    expect(await auditOf("a")).toEqual(["action.sent"]);
    expect(await auditOf("b")).toEqual([]);
  });

  it("commitOutcomes writes an activity once per key, within an outcome and across the group", async () => {
    await sending("a");
    const twice = [activity("a:message_sent"), activity("a:message_sent")];
    const again = { ...sentOutcome("a", twice), from: ["sent"] as const };
    expect(await store().commitOutcomes([sentOutcome("a", twice), again])).toEqual([true, true]);
    expect((await store().listActivities({})).map((row) => row.key)).toEqual(["a:message_sent"]);
    expect(await auditOf("a")).toEqual(["action.sent", "action.sent"]);
  });

  it("commitOutcomes of an empty list writes nothing", async () => {
    expect(await store().commitOutcomes([])).toEqual([]);
    expect(await store().listAudit({})).toEqual([]);
  });

  it("commitOutcomes rolls the whole group back when one outcome's write fails", async () => {
    for (const key of ["a", "b", "c"]) await sending(key);
    // JSON.stringify cannot serialise a BigInt: b's audit insert throws after a and b moved.
    const poisoned = {
      ...sentOutcome("b"),
      audit: [{ at: LATER, actor: "w1", action: "action.sent", subject: "b", detail: { big: 1n } }],
    };
    const group = store().commitOutcomes([sentOutcome("a"), poisoned, sentOutcome("c")]);
    await expect(group).rejects.toThrow(/BigInt/);
    for (const key of ["a", "b", "c"])
      expect(await store().getAction(key)).toMatchObject({ status: "sending", providerMessageId: null });
    expect(await store().listActivities({})).toEqual([]);
    expect(await store().listAudit({})).toEqual([]);
    // Nothing of the group stuck: each outcome alone commits as if the group never ran.
    expect(await store().commitOutcomes([sentOutcome("a"), sentOutcome("c")])).toEqual([true, true]);
    expect(await auditOf("a")).toEqual(["action.sent"]);
  });

  it("keeps how an unknown was settled, and reports unknowns by resolution", async () => {
    await sending("waiting");
    await sending("resent");
    await sending("held");
    await store().commitOutcome({ key: "waiting", from: ["sending"], to: "unknown", patch: { at: LATER } });
    await store().commitOutcome({ key: "resent", from: ["sending"], to: "unknown", patch: { at: LATER } });
    await store().commitOutcome({
      key: "resent",
      from: ["unknown"],
      to: "planned",
      patch: { at: LATER, reconciled: "resent", dueAt: LATER },
    });
    await store().transitionAction("held", ["sending"], "unknown", { at: LATER, reconciled: "held" });
    expect((await store().getAction("resent"))?.reconciled).toBe("resent");
    expect((await store().getAction("waiting"))?.reconciled).toBeNull();
    const report = await store().report(LATER);
    expect(report.unknowns).toEqual([
      { resolution: "held", count: 1 },
      { resolution: "resent", count: 1 },
      { resolution: "waiting", count: 1 },
    ]);
  });

  it("transitionActions moves several claimed rows to sending in one compare-and-set, each on its own", async () => {
    await store().insertActions([action("m1"), action("m2"), action("m3"), action("theirs")], AT);
    await store().claimDueActions({ now: NOW, limit: 3, workerId: "w1", leaseMs: 60_000 });
    await store().claimDueActions({ now: NOW, limit: 10, workerId: "w2", leaseMs: 60_000 });
    await store().transitionAction("m3", ["claimed"], "planned", { at: NOW, claimedUntil: null });
    const until = "2026-03-10T12:10:00.000Z";
    const AFTER_LEASE = "2026-03-10T12:20:00.000Z";
    const patch = { at: NOW, claimedUntil: until, leaseHolder: "w1" };
    // m3 is no longer claimed, "theirs" is w2's, "nope" does not exist: only m1 and m2 move.
    const moved = await store().transitionActions(
      ["m1", "m2", "m3", "theirs", "nope", "m1"],
      ["claimed"],
      "sending",
      patch,
    );
    expect(moved.sort()).toEqual(["m1", "m2"]);
    expect(await store().getAction("m1")).toMatchObject({
      status: "sending",
      claimedBy: "w1",
      claimedUntil: until,
    });
    expect(await store().getAction("m3")).toMatchObject({ status: "planned" });
    expect(await store().getAction("theirs")).toMatchObject({ status: "claimed", claimedBy: "w2" });
    // A claim that has run out is not this worker's any more.
    await store().transitionAction("m1", ["sending"], "claimed", { at: NOW });
    expect(
      await store().transitionActions(["m1"], ["claimed"], "sending", { ...patch, at: AFTER_LEASE }),
    ).toEqual([]);
    expect(await store().transitionActions([], ["claimed"], "sending", patch)).toEqual([]);
  });

  it("recovers a dead worker's claims at once (claimed → planned, sending → unknown, activities → pending)", async () => {
    await store().insertActions([action("c1"), action("c2"), action("other")], AT);
    await store().claimDueActions({ now: NOW, limit: 2, workerId: "host:111", leaseMs: 300_000 });
    await store().claimDueActions({ now: NOW, limit: 10, workerId: "host:222", leaseMs: 300_000 });
    await store().transitionAction("c2", ["claimed"], "sending", { at: NOW });
    await store().enqueueActivity(activity("act"), AT);
    await store().claimActivities({ now: NOW, limit: 10, workerId: "host:111", leaseMs: 300_000 });
    expect(await store().claimHolders()).toEqual(["host:111", "host:222"]);

    const recovered = await store().recoverClaimsOf({ workerIds: ["host:111"], now: LATER });
    expect(recovered).toEqual({ released: 1, unknown: 1 });
    expect(await store().getAction("c1")).toMatchObject({ status: "planned", claimedBy: null });
    expect(await store().getAction("c2")).toMatchObject({ status: "unknown", claimedBy: null });
    expect(await store().getAction("other")).toMatchObject({ status: "claimed", claimedBy: "host:222" });
    expect((await store().listActivities({}))[0]?.status).toBe("pending");
    expect(await store().claimHolders()).toEqual(["host:222"]);
    expect(await store().recoverClaimsOf({ workerIds: [], now: LATER })).toEqual({ released: 0, unknown: 0 });
  });
}
