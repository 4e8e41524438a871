import { describe, expect, it, vi } from "vitest";
import type { ActionStatus } from "../src/actions.js";
import { SENDING_GRID_MS, SENDING_LEAD_MS } from "../src/engine/deliver.js";
import { PermanentError, RateLimitError, TransientError } from "../src/errors.js";
import {
  customer,
  harness,
  ids,
  invoice,
  plannedFor,
  SOURCE,
  seeded,
  testPolicy,
} from "./support/harness.js";

/** Counts the channel's sends in flight at once (the most so far); each answer takes a few turns. */
function overlapping(h: ReturnType<typeof harness>): { most: number } {
  const sends = { most: 0 };
  let inFlight = 0;
  const send = h.channel.send.bind(h.channel);
  vi.spyOn(h.channel, "send").mockImplementation(async (message) => {
    sends.most = Math.max(sends.most, ++inFlight);
    for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    return send(message);
  });
  return sends;
}

async function planned(h: Awaited<ReturnType<typeof seeded>>) {
  const summary = await h.engine.plan();
  expect(summary.inserted).toBe(1);
  const [action] = await h.store.listActions({ status: ["planned"] });
  if (!action) throw new Error("nothing planned");
  return action;
}

describe("engine.plan", () => {
  it("inserts new actions once, and a dry run writes nothing", async () => {
    const h = await seeded();
    const dry = await h.engine.plan({ dryRun: true });
    expect(dry).toMatchObject({ dryRun: true, actions: 1, inserted: 0 });
    expect(dry.result.actions[0]?.stepId).toBe("d3");
    expect(h.store.actions.size).toBe(0);
    expect((await h.engine.plan()).inserted).toBe(1);
    expect((await h.engine.plan()).inserted).toBe(0);
    expect(h.store.actions.size).toBe(1);
  });

  it("plans batch by batch and can keep only the counts", async () => {
    const h = harness({ limits: { claimBatch: 1 } });
    for (const id of ["C1", "C2", "C3"]) {
      h.connector.put("customers", customer(id, { phones: [`+55119876500${id.slice(1)}1`] }));
      h.connector.put("invoices", invoice(`I${id}`, id));
    }
    await h.engine.sync();
    const batches: number[] = [];
    const snapshots = h.store.snapshots.bind(h.store);
    vi.spyOn(h.store, "snapshots").mockImplementation(async function* (options) {
      for await (const batch of snapshots({ ...options, batchSize: 2 })) {
        batches.push(batch.length);
        yield batch;
      }
    });
    const summary = await h.engine.plan({ collect: false });
    expect(batches).toEqual([2, 1]);
    expect(summary).toMatchObject({ customers: 3, actions: 3, inserted: 3 });
    expect(summary.result.actions).toEqual([]);
  });
});

describe("engine.dispatch", () => {
  it("marks the action sending before the channel is called, then sent with the provider id", async () => {
    const h = await seeded();
    const action = await planned(h);
    const seen: (ActionStatus | undefined)[] = [];
    const send = h.channel.send.bind(h.channel);
    vi.spyOn(h.channel, "send").mockImplementation(async (message) => {
      seen.push((await h.store.getAction(message.actionKey))?.status);
      return send(message);
    });
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(seen).toEqual(["sending"]);
    const row = await h.store.getAction(action.key);
    expect(row).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.1",
      sentAt: h.clock.now().toISOString(),
    });
    expect(h.channel.accepted[0]?.message).toMatchObject({ actionKey: action.key, to: "+5511987650000" });
    const activity = h.store.activities.get(`${action.key}:message_sent`);
    expect(activity?.activity).toMatchObject({
      kind: "message_sent",
      providerMessageId: "wamid.1",
      actionKey: action.key,
    });
  });

  it("skips when the fresh read says the invoice was paid or voided since the plan", async () => {
    const h = await seeded();
    const action = await planned(h);
    h.connector.put("invoices", invoice("I1", "C1", { status: "paid" }));
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ skipped: 1, sent: 0 });
    expect(h.channel.calls).toBe(0);
    expect(h.connector.getInvoiceCalls).toEqual(["I1"]);
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "skipped", statusReason: "paid" });
    expect((await h.store.getInvoice(SOURCE, "I1"))?.status).toBe("paid");

    const v = await seeded();
    const other = await planned(v);
    v.connector.put("invoices", invoice("I1", "C1", { status: "void" }));
    await v.engine.dispatch();
    expect(await v.store.getAction(other.key)).toMatchObject({ status: "skipped", statusReason: "void" });
  });

  it("uses the stored invoice when the connector cannot read one", async () => {
    const h = await seeded();
    h.connector.capabilities = { ...h.connector.capabilities, getInvoice: false };
    await planned(h);
    expect((await h.engine.dispatch()).sent).toBe(1);
    expect(h.connector.getInvoiceCalls).toEqual([]);
  });

  it("re-checks opt-out and the phone before sending", async () => {
    const h = await seeded();
    const action = await planned(h);
    await h.store.setOptOut({
      phone: null,
      source: SOURCE,
      customerRef: "C1",
      reason: "operator",
      at: h.clock.now().toISOString(),
    });
    await h.engine.dispatch();
    expect(await h.store.getAction(action.key)).toMatchObject({
      status: "skipped",
      statusReason: "opted_out",
    });

    const g = await seeded();
    const other = await planned(g);
    g.store.customers.set(`${SOURCE}\u0000C1`, customer("C1", { phones: [] }));
    await g.engine.dispatch();
    expect(await g.store.getAction(other.key)).toMatchObject({ status: "skipped", statusReason: "no_phone" });
    expect(h.channel.calls + g.channel.calls).toBe(0);
  });

  it("fails without sending when a template variable has no value, naming it", async () => {
    const policy = testPolicy({
      steps: [
        {
          id: "d3",
          offsetDays: 3,
          channel: "wa",
          template: { name: "fatura_vencida" },
          variables: { "1": "customer.firstName", "2": "invoice.pixCode" },
        },
      ],
    });
    const h = await seeded({ policy });
    const action = await planned(h);
    expect((await h.engine.dispatch()).failed).toBe(1);
    expect(h.channel.calls).toBe(0);
    const row = await h.store.getAction(action.key);
    expect(row?.status).toBe("failed");
    expect(row?.statusReason).toContain("invoice.pixCode");
  });

  it("retries a retryable send error later, bounded by sendAttempts", async () => {
    const h = await seeded({ limits: { sendAttempts: 3 } });
    const action = await planned(h);
    h.channel.script.push(new TransientError("503"), new TransientError("503"), new TransientError("503"));
    expect((await h.engine.dispatch()).retried).toBe(1);
    const row = await h.store.getAction(action.key);
    expect(row).toMatchObject({ status: "planned", attempts: 1 });
    expect(Date.parse(row?.dueAt ?? "")).toBe(h.clock.now().getTime() + 1_000);
    for (let i = 0; i < 5; i++) {
      h.clock.advance(3_600_000);
      await h.engine.dispatch();
    }
    expect(h.channel.calls).toBe(3);
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "failed", attempts: 3 });
    expect(h.store.activities.get(`${action.key}:message_failed`)).toBeDefined();
  });

  it("waits what a rate limit asks before the next attempt", async () => {
    const h = await seeded();
    const action = await planned(h);
    h.channel.script.push(
      new RateLimitError("too many", 90_000, { provider: { system: "whatsapp", code: 130429 } }),
    );
    await h.engine.dispatch();
    const row = await h.store.getAction(action.key);
    expect(Date.parse(row?.dueAt ?? "")).toBe(h.clock.now().getTime() + 90_000);
    h.clock.advance(90_000);
    expect((await h.engine.dispatch()).sent).toBe(1);
  });

  it("holds the rest of the batch for that channel while the provider says rate limited", async () => {
    const h = harness();
    await plannedFor(h, ["1", "2", "3"]);
    h.channel.script.push(new RateLimitError("slow down", 90_000));
    expect(await h.engine.dispatch()).toMatchObject({ claimed: 3, retried: 3, sent: 0 });
    expect(h.channel.calls).toBe(1);
    const rows = await h.store.listActions({ status: ["planned"] });
    const resumeAt = h.clock.now().getTime() + 90_000;
    expect(rows.map((r) => Date.parse(r.dueAt))).toEqual([resumeAt, resumeAt, resumeAt]);
    expect(rows.map((r) => r.attempts).sort()).toEqual([0, 0, 1]);
    h.clock.advance(90_000);
    expect((await h.engine.dispatch()).sent).toBe(3);
  });

  it("delivers several actions at once once the channel accepted one, each exactly once", async () => {
    for (const sendConcurrency of [1, 4]) {
      const h = harness({ limits: { sendConcurrency, claimBatch: 20 } });
      await plannedFor(h, ids(12));
      const sends = overlapping(h);
      expect(await h.engine.dispatch()).toMatchObject({ claimed: 12, sent: 12 });
      expect(h.channel.calls).toBe(12);
      expect(new Set(h.channel.accepted.map((a) => a.message.actionKey)).size).toBe(12);
      expect(sends.most).toBe(sendConcurrency === 1 ? 1 : sendConcurrency);
    }
  });

  it("claims 100 ms of a fast channel's sends at once by default, and claimBatch when configured", async () => {
    const claimLimits = async (limits: { claimBatch?: number }, perSecond: number) => {
      const h = harness({ limits });
      h.channel.rateLimit.perSecond = perSecond;
      const claim = vi.spyOn(h.store, "claimDueActions");
      await h.engine.dispatch();
      return claim.mock.calls.map(([options]) => options.limit);
    };
    expect(await claimLimits({}, 1_000)).toEqual([100]);
    expect(await claimLimits({}, 80)).toEqual([20]);
    expect(await claimLimits({ claimBatch: 5 }, 1_000)).toEqual([5]);
  });

  it("reads a claimed batch's customers, opt-outs, flags and stored invoices once for the batch", async () => {
    const h = harness({ limits: { claimBatch: 20 } });
    h.connector.capabilities = { ...h.connector.capabilities, getInvoice: false };
    const phoneOf = (i: number) => `+55119876500${String(i).padStart(2, "0")}`;
    for (let i = 1; i <= 6; i++) {
      h.connector.put("customers", customer(`C${i}`, { phones: [phoneOf(i)] }));
      h.connector.put("invoices", invoice(`I${i}`, `C${i}`));
    }
    // C5's second number works: its first one is flagged undeliverable.
    h.connector.put("customers", customer("C5", { phones: [phoneOf(50), phoneOf(5)] }));
    await h.engine.sync();
    await h.engine.plan();
    const at = h.clock.now().toISOString();
    await h.store.setOptOut({ phone: phoneOf(2), source: null, customerRef: null, reason: "SAIR", at });
    await h.store.setOptOut({ phone: null, source: SOURCE, customerRef: "C3", reason: "operator", at });
    await h.store.flagPhone({
      phone: phoneOf(4),
      channel: "wa",
      code: "131026",
      reason: "undeliverable",
      at,
    });
    await h.store.flagPhone({
      phone: phoneOf(50),
      channel: "wa",
      code: "131026",
      reason: "undeliverable",
      at,
    });
    // Paid since the plan, as the stored copy says (no sync has skipped its action yet).
    h.store.invoices.set(`${SOURCE}\u0000I6`, invoice("I6", "C6", { status: "paid" }));
    const reads = {
      customers: vi.spyOn(h.store, "getCustomers"),
      customer: vi.spyOn(h.store, "getCustomer"),
      optedOut: vi.spyOn(h.store, "optedOut"),
      isOptedOut: vi.spyOn(h.store, "isOptedOut"),
      flags: vi.spyOn(h.store, "phoneFlags"),
      invoices: vi.spyOn(h.store, "getInvoices"),
      invoice: vi.spyOn(h.store, "getInvoice"),
    };
    expect(await h.engine.dispatch()).toMatchObject({ claimed: 6, sent: 2, skipped: 4 });
    const reasons = new Map((await h.store.listActions({})).map((a) => [a.customerRef, a.statusReason]));
    expect(Object.fromEntries(reasons)).toMatchObject({
      C2: "opted_out",
      C3: "opted_out",
      C4: "undeliverable",
      C6: "paid",
    });
    expect(h.channel.accepted.map((a) => a.message.to).sort()).toEqual([phoneOf(1), phoneOf(5)]);
    for (const batchRead of [reads.customers, reads.optedOut, reads.flags, reads.invoices]) {
      expect(batchRead).toHaveBeenCalledTimes(1);
    }
    for (const oneByOne of [reads.customer, reads.isOptedOut, reads.invoice]) {
      expect(oneByOne).not.toHaveBeenCalled();
    }
  });

  it("retries each action of a batch whose reads failed, sending nothing", async () => {
    const h = await seeded();
    const action = await planned(h);
    vi.spyOn(h.store, "optedOut").mockRejectedValueOnce(new TransientError("store unavailable"));
    expect(await h.engine.dispatch()).toMatchObject({ claimed: 1, sent: 0, retried: 1 });
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "planned", attempts: 1 });
    expect(h.channel.calls).toBe(0);
  });

  it("a channel that accepted a send in the last minute starts the next run overlapping; after a minute, alone", async () => {
    const h = harness({ limits: { sendConcurrency: 4, claimBatch: 20 } });
    await plannedFor(h, ids(1));
    expect((await h.engine.dispatch()).sent).toBe(1); // the channel accepts: proven
    const sends = overlapping(h);
    const book = async (from: number) => {
      for (let i = from; i < from + 4; i++) {
        h.connector.put("customers", customer(`C${i}`, { phones: [`+55119876500${i}`] }));
        h.connector.put("invoices", invoice(`I${i}`, `C${i}`));
      }
      await h.engine.sync();
      await h.engine.plan();
    };
    h.clock.advance(30_000);
    await book(10);
    expect((await h.engine.dispatch()).sent).toBe(4);
    expect(sends.most).toBe(4); // 30 s after an acceptance: no send alone first
    sends.most = 0;
    h.clock.advance(61_000);
    await book(20);
    expect((await h.engine.dispatch()).sent).toBe(4);
    expect(sends.most).toBe(3); // the first alone, the three others together after its answer
  });

  it("hands claimed rows back untouched when aborted while waiting for the rate limit", async () => {
    const h = harness();
    h.channel.rateLimit.perSecond = 1;
    for (const id of ["1", "2"]) {
      h.connector.put("customers", customer(`C${id}`, { phones: [`+551198765000${id}`] }));
      h.connector.put("invoices", invoice(`I${id}`, `C${id}`));
    }
    await h.engine.sync();
    await h.engine.plan();
    const controller = new AbortController();
    const send = h.channel.send.bind(h.channel);
    vi.spyOn(h.channel, "send").mockImplementation(async (message) => {
      controller.abort(new Error("shutting down"));
      return send(message);
    });
    const summary = await h.engine.dispatch({ signal: controller.signal });
    expect(summary).toMatchObject({ claimed: 2, sent: 1 });
    const [waiting] = await h.store.listActions({ status: ["planned"] });
    expect(waiting).toMatchObject({ attempts: 0, claimedBy: null, claimedUntil: null });
    expect(h.channel.calls).toBe(1);
  });

  it("moves a send to `sending` ahead of its rate slot, and sends at the slot", async () => {
    const h = harness({ limits: { sendConcurrency: 1 } }); // the stepping clock jumps per sleep
    h.channel.rateLimit.perSecond = 1;
    await plannedFor(h, ids(3));
    const movedAt = new Map<string, number>();
    const moves = h.store.transitionActions.bind(h.store);
    vi.spyOn(h.store, "transitionActions").mockImplementation(async (keys, from, to, patch) => {
      for (const key of keys) movedAt.set(key, h.clock.now().getTime());
      return moves(keys, from, to, patch);
    });
    const sentAt = new Map<string, number>();
    const send = h.channel.send.bind(h.channel);
    vi.spyOn(h.channel, "send").mockImplementation(async (message) => {
      sentAt.set(message.actionKey, h.clock.now().getTime());
      return send(message);
    });
    expect((await h.engine.dispatch()).sent).toBe(3);
    const times = [...sentAt.values()];
    // One a second; each after the first was moved SENDING_LEAD_MS before its slot (on the grid).
    expect(times.map((t) => t - (times[0] as number))).toEqual([0, 1_000, 2_000]);
    const leads = [...sentAt].slice(1).map(([key, at]) => at - (movedAt.get(key) as number));
    expect(leads).toHaveLength(2);
    for (const lead of leads) {
      expect(lead).toBeGreaterThan(0);
      expect(lead).toBeGreaterThanOrEqual(SENDING_LEAD_MS);
      expect(lead).toBeLessThan(SENDING_LEAD_MS + SENDING_GRID_MS);
    }
  });

  it("hands a row moved to `sending` back to planned when stopped before its slot (nothing left)", async () => {
    const h = harness();
    h.channel.rateLimit.perSecond = 1;
    await plannedFor(h, ids(2));
    const controller = new AbortController();
    const moves = h.store.transitionActions.bind(h.store);
    let moved = 0;
    vi.spyOn(h.store, "transitionActions").mockImplementation(async (keys, from, to, patch) => {
      const answer = await moves(keys, from, to, patch);
      if (++moved === 2) controller.abort(new Error("shutting down")); // the second, ahead of its slot
      return answer;
    });
    const summary = await h.engine.dispatch({ signal: controller.signal });
    expect(summary).toMatchObject({ claimed: 2, sent: 1, unknown: 0 });
    expect(h.channel.calls).toBe(1);
    const [waiting] = await h.store.listActions({ status: ["planned"] });
    expect(waiting).toMatchObject({ attempts: 0, claimedBy: null, claimedUntil: null });
  });

  it("fails at once on a permanent error, keeping the provider's code and words", async () => {
    const h = await seeded();
    const action = await planned(h);
    const provider = { system: "whatsapp", code: 131026, message: "Message undeliverable" };
    h.channel.script.push(new PermanentError("recipient cannot receive", { provider }));
    expect((await h.engine.dispatch()).failed).toBe(1);
    const row = await h.store.getAction(action.key);
    expect(row?.status).toBe("failed");
    expect(row?.statusReason).toContain("131026");
    expect(row?.statusReason).toContain("Message undeliverable");
    expect(h.channel.calls).toBe(1);
  });

  it("skips an action whose send window has passed", async () => {
    const h = await seeded();
    const action = await planned(h);
    h.clock.set(new Date(Date.parse(action.expiresAt ?? "") + 1));
    expect((await h.engine.dispatch()).skipped).toBe(1);
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "skipped", statusReason: "expired" });
  });

  it("records an escalation without sending anything", async () => {
    const policy = testPolicy({
      steps: [
        { id: "esc", offsetDays: 3, action: "escalate", escalate: { queue: "cobranca", target: "operator" } },
      ],
    });
    const h = await seeded({ policy });
    const action = await planned(h);
    expect((await h.engine.dispatch()).recorded).toBe(1);
    expect(h.channel.calls).toBe(0);
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "sent" });
    expect(h.store.activities.get(`${action.key}:escalated`)?.activity.subject).toContain("cobranca");
  });

  it("a pause step holds the customer's sequence until it ends, on the engine's clock", async () => {
    const policy = testPolicy({
      steps: [
        { id: "hold", offsetDays: 8, action: "pause", pauseDays: 10 },
        {
          id: "d10",
          offsetDays: 10,
          channel: "wa",
          template: { name: "fatura_vencida" },
          variables: { "1": "customer.firstName" },
        },
      ],
    });
    const h = await seeded({ policy });
    const hold = await planned(h);
    expect(hold.kind).toBe("pause");
    expect((await h.engine.dispatch()).recorded).toBe(1);
    const pause = h.store.pauses.get(`${SOURCE}\u0000C1`);
    expect(pause?.until).toBe(new Date(h.clock.now().getTime() + 10 * 86_400_000).toISOString());

    h.clock.advance(86_400_000); // d+10: the message step is due, but the customer is paused
    const paused = await h.engine.plan();
    expect(h.store.lastSnapshotNow).toBe(h.clock.now().toISOString());
    expect(paused.inserted).toBe(0);
    expect(paused.result.skips.map((s) => s.reason)).toContain("paused");

    h.clock.advance(10 * 86_400_000); // the pause is over
    const resumed = await h.engine.plan();
    expect(resumed.result.actions.map((a) => a.stepId)).toEqual(["d10"]);
  });

  it("sends under the channel's rate limit and honours the limit option", async () => {
    const h = harness();
    h.channel.rateLimit.perSecond = 1;
    for (const id of ["1", "2", "3", "4"]) {
      h.connector.put("customers", customer(`C${id}`, { phones: [`+551198765000${id}`] }));
      h.connector.put("invoices", invoice(`I${id}`, `C${id}`));
    }
    await h.engine.sync();
    await h.engine.plan();
    expect((await h.engine.dispatch({ limit: 3 })).sent).toBe(3);
    // One token at start, then one a second: two waits of a second on the injected clock.
    expect(h.clock.sleeps.reduce((a, b) => a + b, 0)).toBe(2_000);
    expect((await h.engine.dispatch()).sent).toBe(1);
  });
});
