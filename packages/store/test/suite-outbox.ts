import { expect, it } from "vitest";
import { AT, action, activity, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LATER = "2026-03-10T12:10:00.000Z";

export function outboxTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("insertActions stores each key once and counts only new ones", async () => {
    expect(await store().insertActions([action("a"), action("b"), action("a")], AT)).toBe(2);
    expect(await store().insertActions([action("b"), action("c")], AT)).toBe(1);
    expect(await store().insertActions([], AT)).toBe(0);
    const row = await store().getAction("a");
    expect(row).toMatchObject({
      ...action("a"),
      status: "planned",
      attempts: 0,
      claimedBy: null,
      sentAt: null,
    });
    expect(row?.createdAt).toBe(AT);
    expect(await store().getAction("missing")).toBeNull();
  });

  it("insertActions stores text with quotes, backslashes, braces and nulls as given, in large batches", async () => {
    const awkward = action('k "1", {x}\\y', {
      customerRef: "C,1 {ç}",
      invoiceRefs: ['I"1', "I\\2", "NULL"],
      channel: null,
      template: null,
      kind: "escalate",
      expiresAt: "2026-03-11T09:00:00-03:00",
      payload: { note: 'diz "olá", {não}\\ NULL', n: 1 },
    });
    const many = Array.from({ length: 6_001 }, (_, i) => action(`bulk-${i}`));
    expect(await store().insertActions([awkward, ...many], AT)).toBe(6_002);
    expect(await store().insertActions([...many.slice(0, 10), action("new")], AT)).toBe(1);
    expect(await store().getAction(awkward.key)).toMatchObject({
      ...awkward,
      expiresAt: "2026-03-11T12:00:00.000Z",
      status: "planned",
    });
    expect(await store().getAction("bulk-6000")).toMatchObject({ ...action("bulk-6000"), status: "planned" });
  });

  it("keeps each action's own trace when traces are shared or differ", async () => {
    const shared = [{ rule: "d+1", outcome: "fired" as const, reason: "1 day past due" }];
    const other = [
      { rule: "d+1", outcome: "skipped" as const, reason: "quiet hours" },
      { rule: "d+3", outcome: "fired" as const, reason: "3 days past due" },
    ];
    await store().insertActions([action("a", { trace: shared }), action("b", { trace: other })], AT);
    await store().insertActions([action("c", { trace: [...shared] }), action("d", { trace: [] })], AT);
    expect((await store().getAction("a"))?.trace).toEqual(shared);
    expect((await store().getAction("b"))?.trace).toEqual(other);
    expect((await store().getAction("c"))?.trace).toEqual(shared);
    expect((await store().listActions({})).map((row) => row.trace.length)).toEqual([1, 2, 1, 0]);
  });

  it("claims due planned actions once, in due order, with a lease", async () => {
    await store().insertActions(
      [
        action("late", { dueAt: "2026-03-10T11:00:00Z" }),
        action("early", { dueAt: "2026-03-10T08:00:00Z" }),
        action("future", { dueAt: "2026-03-11T08:00:00Z" }),
        action("mid", { dueAt: "2026-03-10T10:00:00Z" }),
      ],
      AT,
    );
    const first = await store().claimDueActions({ now: NOW, limit: 2, workerId: "w1", leaseMs: 60_000 });
    expect(first.map((a) => a.key)).toEqual(["early", "mid"]);
    expect(first[0]).toMatchObject({
      status: "claimed",
      claimedBy: "w1",
      claimedUntil: "2026-03-10T12:01:00.000Z",
    });
    const second = await store().claimDueActions({ now: NOW, limit: 10, workerId: "w2", leaseMs: 60_000 });
    expect(second.map((a) => a.key)).toEqual(["late"]);
    expect(await store().claimDueActions({ now: NOW, limit: 10, workerId: "w3", leaseMs: 60_000 })).toEqual(
      [],
    );
  });

  it("transitionAction is compare-and-set and applies the patch", async () => {
    await store().insertActions([action("a")], AT);
    await store().claimDueActions({ now: NOW, limit: 1, workerId: "w1", leaseMs: 60_000 });
    expect(await store().transitionAction("a", ["planned"], "sending", { at: NOW })).toBe(false);
    expect(
      await store().transitionAction("a", ["claimed"], "sending", {
        at: NOW,
        incrementAttempts: true,
        claimedUntil: "2026-03-10T12:05:00Z",
      }),
    ).toBe(true);
    expect(
      await store().transitionAction("a", ["sending"], "sent", {
        at: LATER,
        providerMessageId: "wamid.1",
        sentAt: LATER,
        claimedUntil: null,
      }),
    ).toBe(true);
    expect(await store().getAction("a")).toMatchObject({
      status: "sent",
      attempts: 1,
      providerMessageId: "wamid.1",
      sentAt: LATER,
      claimedUntil: null,
      claimedBy: null,
      updatedAt: LATER,
    });
    expect((await store().findActionByProviderMessageId("wamid.1"))?.key).toBe("a");
    expect(await store().findActionByProviderMessageId("wamid.2")).toBeNull();
    expect(await store().transitionAction("missing", ["planned"], "sent", { at: NOW })).toBe(false);
  });

  it("a retryable failure goes back to planned, rescheduled", async () => {
    await store().insertActions([action("a")], AT);
    await store().claimDueActions({ now: NOW, limit: 1, workerId: "w1", leaseMs: 60_000 });
    const retryAt = "2026-03-10T13:00:00.000Z";
    expect(
      await store().transitionAction("a", ["claimed"], "planned", {
        at: NOW,
        dueAt: retryAt,
        statusReason: "429 rate limited",
        claimedUntil: null,
        incrementAttempts: true,
      }),
    ).toBe(true);
    expect(await store().getAction("a")).toMatchObject({ status: "planned", dueAt: retryAt, attempts: 1 });
    expect(await store().claimDueActions({ now: NOW, limit: 1, workerId: "w1", leaseMs: 1 })).toEqual([]);
    expect(
      await store().claimDueActions({ now: retryAt, limit: 1, workerId: "w1", leaseMs: 1 }),
    ).toHaveLength(1);
  });

  it("recovers expired leases: claimed back to planned, sending to unknown", async () => {
    await store().insertActions(
      [
        action("c1", { dueAt: "2026-03-10T08:00:00Z" }),
        action("s1", { dueAt: "2026-03-10T09:00:00Z" }),
        action("fresh", { dueAt: "2026-03-10T10:00:00Z" }),
      ],
      AT,
    );
    await store().claimDueActions({ now: NOW, limit: 2, workerId: "w1", leaseMs: 60_000 });
    await store().transitionAction("s1", ["claimed"], "sending", { at: NOW });
    await store().claimDueActions({ now: NOW, limit: 1, workerId: "w2", leaseMs: 3_600_000 });
    expect(await store().recoverExpiredLeases("2026-03-10T12:00:30Z")).toEqual({ released: 0, unknown: 0 });
    expect(await store().recoverExpiredLeases(LATER)).toEqual({ released: 1, unknown: 1 });
    expect((await store().getAction("c1"))?.status).toBe("planned");
    expect((await store().getAction("s1"))?.status).toBe("unknown");
    expect((await store().getAction("fresh"))?.status).toBe("claimed");
  });

  it("skips open actions of a customer, or only those naming one invoice", async () => {
    await store().insertActions(
      [
        action("i1", { invoiceRefs: ["I1"] }),
        action("i1i2", { invoiceRefs: ["I1", "I2"] }),
        action("i2", { invoiceRefs: ["I2"] }),
        action("sent", { invoiceRefs: ["I1"] }),
        action("other", { customerRef: "C2", invoiceRefs: ["I1"] }),
      ],
      AT,
    );
    await store().transitionAction("sent", ["planned"], "sent", { at: NOW });
    const skip = { source: "erp", customerRef: "C1", reason: "paid", at: NOW };
    expect(await store().skipOpenActions({ ...skip, invoiceRef: "I1" })).toBe(2);
    expect(await store().getAction("i1")).toMatchObject({ status: "skipped", statusReason: "paid" });
    expect((await store().getAction("i2"))?.status).toBe("planned");
    expect((await store().getAction("sent"))?.status).toBe("sent");
    expect((await store().getAction("other"))?.status).toBe("planned");
    expect(await store().skipOpenActions(skip)).toBe(1);
    expect((await store().getAction("i2"))?.status).toBe("skipped");
  });

  it("lists actions by status and customer, and gives the history", async () => {
    await store().insertActions([action("a"), action("b", { customerRef: "C2" }), action("c")], AT);
    await store().transitionAction("c", ["planned"], "failed", { at: NOW, statusReason: "131026" });
    expect((await store().listActions({ status: ["planned"] })).map((a) => a.key)).toEqual(["a", "b"]);
    expect((await store().listActions({ customerRef: "C1" })).map((a) => a.key)).toEqual(["a", "c"]);
    expect((await store().listActions({ limit: 1 })).map((a) => a.key)).toEqual(["a"]);
    expect(await store().listActions({ status: [] })).toEqual([]);
    const history = await store().actionHistory("erp", "C1");
    expect(history.map((h) => [h.key, h.status])).toEqual([
      ["a", "planned"],
      ["c", "failed"],
    ]);
  });

  it("runs the activity outbox: enqueue once, claim, fail with backoff, dead, written", async () => {
    expect(await store().enqueueActivity(activity("x"), AT)).toBe(true);
    expect(await store().enqueueActivity(activity("x"), AT)).toBe(false);
    expect(await store().enqueueActivity(activity("y"), AT)).toBe(true);
    const claimed = await store().claimActivities({ now: NOW, limit: 10, workerId: "w", leaseMs: 60_000 });
    expect(claimed.map((a) => [a.key, a.status])).toEqual([
      ["x", "claimed"],
      ["y", "claimed"],
    ]);
    expect(claimed[0]?.activity).toEqual(activity("x"));
    expect(await store().claimActivities({ now: NOW, limit: 10, workerId: "w", leaseMs: 60_000 })).toEqual(
      [],
    );

    await store().failActivity("x", { error: "HTTP 503", at: NOW, nextAttemptAt: LATER, dead: false });
    await store().completeActivity("y", { externalId: "ACT-9", at: NOW });
    expect(await store().claimActivities({ now: NOW, limit: 10, workerId: "w", leaseMs: 60_000 })).toEqual(
      [],
    );
    const retried = await store().claimActivities({ now: LATER, limit: 10, workerId: "w", leaseMs: 60_000 });
    expect(retried.map((a) => [a.key, a.attempts, a.lastError])).toEqual([["x", 1, "HTTP 503"]]);
    await store().failActivity("x", {
      error: "HTTP 400 bad field",
      at: LATER,
      nextAttemptAt: LATER,
      dead: true,
    });

    const rows = await store().listActivities({});
    expect(rows.map((a) => [a.key, a.status, a.attempts, a.externalId])).toEqual([
      ["x", "dead", 2, null],
      ["y", "written", 1, "ACT-9"],
    ]);
    expect((await store().listActivities({ status: ["dead"] })).map((a) => a.lastError)).toEqual([
      "HTTP 400 bad field",
    ]);
  });

  it("re-claims an activity whose worker's lease expired", async () => {
    await store().enqueueActivity(activity("x"), AT);
    await store().claimActivities({ now: NOW, limit: 1, workerId: "w1", leaseMs: 60_000 });
    expect(await store().claimActivities({ now: NOW, limit: 1, workerId: "w2", leaseMs: 60_000 })).toEqual(
      [],
    );
    const again = await store().claimActivities({ now: LATER, limit: 1, workerId: "w2", leaseMs: 60_000 });
    expect(again.map((a) => a.key)).toEqual(["x"]);
  });
}
