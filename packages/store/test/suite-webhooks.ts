import { expect, it } from "vitest";
import type { StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const T0 = "2026-03-02T12:00:00.000Z";
const status = (n: number) => ({ kind: "status", eventId: `wamid.${n}:delivered:1772452800` });

export function webhookQueueTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("stores a delivery once and hands it to one worker at a time, resuming where it stopped", async () => {
    const events = [status(1), status(2), status(3)];
    await store().enqueueWebhook({ kind: "channel", plugin: "wa", receivedAt: T0, rawBody: "{}", events });
    expect(await store().webhookBacklog()).toBe(3);
    const lease = { now: T0, leaseUntil: "2026-03-02T12:05:00.000Z" };
    const first = await store().claimWebhookBatch({ workerId: "a", ...lease });
    expect(first).toMatchObject({ kind: "channel", plugin: "wa", receivedAt: T0, applied: 0, events });
    expect(await store().claimWebhookBatch({ workerId: "b", ...lease })).toBeNull();
    await store().advanceWebhookBatch(first!.id, {
      workerId: "a",
      applied: 2,
      done: false,
      at: T0,
      leaseUntil: lease.leaseUntil,
    });
    expect(await store().webhookBacklog()).toBe(1);
    // After the lease runs out another worker takes over from the third event.
    const later = { now: "2026-03-02T12:06:00.000Z", leaseUntil: "2026-03-02T12:11:00.000Z" };
    const second = await store().claimWebhookBatch({ workerId: "b", ...later });
    expect(second).toMatchObject({ id: first!.id, applied: 2 });
    await store().advanceWebhookBatch(second!.id, {
      workerId: "b",
      applied: 3,
      done: true,
      ...later,
      at: later.now,
    });
    expect(await store().webhookBacklog()).toBe(0);
    expect(await store().claimWebhookBatch({ workerId: "b", ...later })).toBeNull();
  });

  it("retention deletes applied deliveries and old dedupe records but keeps pending ones and the audit", async () => {
    const old = "2025-11-01T00:00:00.000Z";
    await store().enqueueWebhook({
      kind: "channel",
      plugin: "wa",
      receivedAt: old,
      rawBody: "x".repeat(1000),
      events: [status(1)],
    });
    await store().enqueueWebhook({
      kind: "channel",
      plugin: "wa",
      receivedAt: old,
      rawBody: "{}",
      events: [status(2)],
    });
    const claimed = await store().claimWebhookBatch({ workerId: "a", now: T0, leaseUntil: T0 });
    await store().advanceWebhookBatch(claimed!.id, {
      workerId: "a",
      applied: 1,
      done: true,
      at: T0,
      leaseUntil: T0,
    });
    await store().recordInboundEvent({
      provider: "wa",
      eventId: "old",
      payload: { big: "x" },
      receivedAt: old,
    });
    await store().recordInboundEvent({ provider: "wa", eventId: "new", payload: {}, receivedAt: T0 });
    await store().appendAudit({
      at: old,
      actor: "webhook:wa",
      action: "optout",
      subject: "+5511987654321",
      detail: {},
    });

    expect(await store().purgeWebhookHistory("2025-12-02T00:00:00.000Z")).toEqual({ batches: 1, events: 1 });
    expect(await store().webhookBacklog()).toBe(1);
    expect(
      await store().recordInboundEvent({ provider: "wa", eventId: "new", payload: {}, receivedAt: T0 }),
    ).toBe(false);
    expect(await store().listAudit({ subject: "+5511987654321" })).toHaveLength(1);
  });
}
