import { describe, expect, it } from "vitest";
import { customer, harness, invoice, seeded, statusEvent } from "./support/harness.js";

async function plannedKey(h: ReturnType<typeof harness>): Promise<string> {
  await h.engine.plan();
  const [action] = await h.store.listActions({ status: ["planned"] });
  if (!action) throw new Error("nothing planned");
  return action.key;
}

describe("a crash mid-send never sends twice", () => {
  it("leaves the row sending, turns it unknown after the lease, and a status settles it: never resent", async () => {
    const h = await seeded({ limits: { leaseMs: 60_000 } });
    const key = await plannedKey(h);
    h.channel.script.push("accept-then-hang");
    const accepted = new Promise<void>((resolve) => {
      h.channel.onAccepted = resolve;
    });
    // The process dies while waiting for the provider's answer: this dispatch never ends.
    void h.engine.dispatch();
    await accepted;
    expect((await h.store.getAction(key))?.status).toBe("sending");

    const restarted = h.restart("worker-2");
    h.clock.advance(30_000);
    expect((await restarted.dispatch()).recovered).toEqual({ released: 0, unknown: 0 });
    h.clock.advance(30_001);
    const summary = await restarted.dispatch();
    expect(summary.recovered.unknown).toBe(1);
    expect(summary.claimed).toBe(0);
    expect((await h.store.getAction(key))?.status).toBe("unknown");

    // WhatsApp echoes biz_opaque_callback_data: the action key finds the row with no provider id.
    const event = statusEvent({ status: "delivered", providerMessageId: "wamid.1", actionKey: key });
    expect((await restarted.handleChannelEvents("wa", [event])).applied).toBe(1);
    const row = await h.store.getAction(key);
    expect(row).toMatchObject({ status: "delivered", providerMessageId: "wamid.1", reconciled: "status" });
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);

    // Settled by its status: the quiet period passing changes nothing, nothing is resent.
    h.clock.advance(86_400_000);
    await restarted.plan();
    await restarted.dispatch();
    expect(h.channel.accepted).toHaveLength(1);
    expect(h.store.activities.has(`${key}:message_delivered`)).toBe(true);
  });

  it("marks the row unknown at once when the channel throws something unclassified", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    h.channel.script.push({ acceptThenThrow: new Error("socket hang up") });
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ unknown: 1, retried: 0, failed: 0 });
    expect(await h.store.getAction(key)).toMatchObject({
      status: "unknown",
      statusReason: "Error: socket hang up",
    });
    h.clock.advance(86_400_000);
    await h.engine.dispatch();
    expect(h.channel.accepted).toHaveLength(1);
  });

  it("hands a claimed row back after its lease when the worker died before sending", async () => {
    const h = await seeded({ limits: { leaseMs: 60_000 } });
    const key = await plannedKey(h);
    await h.store.claimDueActions({
      now: h.clock.now().toISOString(),
      limit: 10,
      workerId: "dead-worker",
      leaseMs: 60_000,
    });
    h.clock.advance(60_000);
    expect((await h.engine.dispatch()).claimed).toBe(0);
    h.clock.advance(1);
    const summary = await h.engine.dispatch();
    expect(summary.recovered.released).toBe(1);
    expect(summary.sent).toBe(1);
    expect((await h.store.getAction(key))?.status).toBe("sent");
  });

  it("does not send a row whose lease ran out while it waited for the rate limit", async () => {
    const h = harness({ limits: { leaseMs: 60_000 } });
    h.channel.rateLimit.perSecond = 1 / 3_600;
    h.connector.put(
      "customers",
      customer("C1", { phones: ["+5511987650001"] }),
      customer("C2", { phones: ["+5511987650002"] }),
    );
    h.connector.put("invoices", invoice("I1", "C1"), invoice("I2", "C2"));
    await h.engine.sync();
    await h.engine.plan();
    // One message an hour: the first goes at once, the second waits an hour for its token.
    const first = await h.engine.dispatch();
    expect(first).toMatchObject({ claimed: 2, sent: 1 });
    const [late] = await h.store.listActions({ status: ["claimed"] });
    expect(late?.claimedBy).toBe("worker-1");
    expect(h.channel.accepted).toHaveLength(1);

    h.clock.advance(3_600_000);
    const second = await h.engine.dispatch();
    expect(second).toMatchObject({ recovered: { released: 1, unknown: 0 }, sent: 1 });
    expect(h.channel.accepted.map((a) => a.message.to).sort()).toEqual(["+5511987650001", "+5511987650002"]);
  });
});

describe("engine.recover", () => {
  it("releases expired claims and reports what it did", async () => {
    const h = await seeded({ limits: { leaseMs: 60_000 } });
    await h.engine.plan();
    await h.store.claimDueActions({
      now: h.clock.now().toISOString(),
      limit: 10,
      workerId: "gone",
      leaseMs: 1_000,
    });
    expect(await h.engine.recover()).toEqual({ released: 0, unknown: 0 });
    h.clock.advance(1_001);
    expect(await h.engine.recover()).toEqual({ released: 1, unknown: 0 });
    expect(h.store.audit.map((a) => a.action)).toContain("leases.recovered");
  });
});
