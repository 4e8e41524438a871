import { describe, expect, it } from "vitest";
import { CancelledError, SendOutcomeUnknownError, TransientError } from "../src/errors.js";
import { customer, harness, invoice, plannedFor, seeded, statusEvent } from "./support/harness.js";

/**
 * Issue 18, cause by cause: each test sets up what went wrong in the crash experiment and
 * shows the engine now does the right thing (exactly one message per action, nothing failed
 * by a shutdown, outcome + activity + audit together, unknowns settled).
 */

const QUIET_MS = 15 * 60_000;
const timeout = () => new SendOutcomeUnknownError("WhatsApp Cloud API: timeout of 5ms exceeded");

async function plannedKey(h: Awaited<ReturnType<typeof seeded>>): Promise<string> {
  await h.engine.plan();
  const [action] = await h.store.listActions({ status: ["planned"] });
  if (!action) throw new Error("nothing planned");
  return action.key;
}

const auditActions = (h: Awaited<ReturnType<typeof seeded>>, key: string) =>
  h.store.audit.filter((a) => a.subject === key).map((a) => a.action);

describe("an ambiguous send (timeout after the request left) is never retried blindly", () => {
  it("goes to unknown, not back to planned, and a later dispatch does not send it again", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    // Before: a timeout was a TransientError, retried from `sending`: 7 keys got 2–3 messages.
    h.channel.script.push({ acceptThenThrow: timeout() });
    expect(await h.engine.dispatch()).toMatchObject({ unknown: 1, retried: 0, failed: 0 });
    expect(await h.store.getAction(key)).toMatchObject({ status: "unknown", reconciled: null });
    h.clock.advance(QUIET_MS - 1);
    await h.engine.dispatch();
    expect(h.channel.acceptedFor(key)).toBe(1);
    expect(auditActions(h, key)).toEqual(["action.unknown"]);
  });

  it("goes to unknown too when the HTTP layer marked a retryable error ambiguous (connector-kit)", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    const reset = new TransientError("wa: send failed: ECONNRESET (may have been processed)", {
      reason: "ambiguous",
    });
    h.channel.script.push({ acceptThenThrow: reset });
    expect(await h.engine.dispatch()).toMatchObject({ unknown: 1, retried: 0 });
    expect((await h.store.getAction(key))?.status).toBe("unknown");
  });

  it("is settled by the provider's status (the action key as callback data): no resend after the quiet period", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    h.channel.script.push({ acceptThenThrow: timeout() });
    await h.engine.dispatch();
    const event = statusEvent({ status: "sent", providerMessageId: "wamid.1", actionKey: key });
    expect((await h.engine.handleChannelEvents("wa", [event])).applied).toBe(1);
    expect(await h.store.getAction(key)).toMatchObject({
      status: "sent",
      providerMessageId: "wamid.1",
      reconciled: "status",
    });
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);
    h.clock.advance(QUIET_MS * 4);
    expect((await h.engine.dispatch()).reconciled).toEqual({ lookup: 0, resent: 0, held: 0 });
    expect(h.channel.acceptedFor(key)).toBe(1);
    expect((await h.store.report(h.clock.now().toISOString())).unknowns).toEqual([
      { resolution: "status", count: 1 },
    ]);
  });

  it("is asked of the channel's lookup when it has one, and recorded as sent", async () => {
    const h = await seeded();
    h.channel.enableLookup();
    const key = await plannedKey(h);
    h.channel.script.push({ acceptThenThrow: timeout() });
    await h.engine.dispatch();
    h.clock.advance(QUIET_MS);
    expect((await h.engine.dispatch()).reconciled).toEqual({ lookup: 1, resent: 0, held: 0 });
    expect(await h.store.getAction(key)).toMatchObject({ status: "sent", reconciled: "lookup" });
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);
    expect(h.channel.acceptedFor(key)).toBe(1);
  });
});

describe("an unknown with no status after the quiet period", () => {
  it("is resent once, with an audit entry saying why, and delivered", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    // The request never reached the provider (the timeout hit before it left).
    h.channel.script.push(timeout());
    await h.engine.dispatch();
    expect(h.channel.acceptedFor(key)).toBe(0);
    h.clock.advance(QUIET_MS);
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ reconciled: { lookup: 0, resent: 1, held: 0 }, sent: 1 });
    expect(h.channel.acceptedFor(key)).toBe(1);
    expect(await h.store.getAction(key)).toMatchObject({ status: "sent", reconciled: "resent" });
    const resend = h.store.audit.find((a) => a.action === "action.unknown.resend");
    expect(resend?.detail.reason).toMatch(/no status from wa within 15 min.*sent once more/);
    expect(auditActions(h, key)).toEqual(["action.unknown", "action.unknown.resend", "action.sent"]);
    expect((await h.store.report(h.clock.now().toISOString())).unknowns).toEqual([
      { resolution: "resent", count: 1 },
    ]);
  });

  it("is held for an operator the second time, never sent a third", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    h.channel.script.push(timeout(), timeout());
    await h.engine.dispatch();
    h.clock.advance(QUIET_MS);
    expect((await h.engine.dispatch()).unknown).toBe(1);
    h.clock.advance(QUIET_MS);
    expect((await h.engine.dispatch()).reconciled).toEqual({ lookup: 0, resent: 0, held: 1 });
    h.clock.advance(QUIET_MS * 10);
    expect((await h.engine.dispatch()).reconciled).toEqual({ lookup: 0, resent: 0, held: 0 });
    expect(h.channel.calls).toBe(2);
    expect(await h.store.getAction(key)).toMatchObject({ status: "unknown", reconciled: "held" });
    const held = h.store.audit.find((a) => a.action === "action.unknown.held");
    expect(held?.detail.reason).toMatch(/already resent once/);
    expect((await h.store.report(h.clock.now().toISOString())).unknowns).toEqual([
      { resolution: "held", count: 1 },
    ]);
  });

  it("is held at once when the config says onUnknown: hold", async () => {
    const h = harness({ onUnknown: "hold" });
    h.connector.put("customers", customer("C1"));
    h.connector.put("invoices", invoice("I1", "C1"));
    await h.engine.sync();
    await h.engine.plan();
    h.channel.script.push(timeout());
    await h.engine.dispatch();
    h.clock.advance(QUIET_MS);
    expect((await h.engine.dispatch()).reconciled).toEqual({ lookup: 0, resent: 0, held: 1 });
    expect(h.channel.calls).toBe(1);
  });

  it("waits for its own quiet period, configurable", async () => {
    const h = await seeded({ limits: { unknownQuietMs: 2_000 } });
    const key = await plannedKey(h);
    h.channel.script.push(timeout());
    await h.engine.dispatch();
    h.clock.advance(1_999);
    expect((await h.engine.dispatch()).reconciled.resent).toBe(0);
    h.clock.advance(1);
    expect((await h.engine.dispatch()).sent).toBe(1);
    expect(h.channel.acceptedFor(key)).toBe(1);
  });
});

describe("a sending row whose process died before the request left", () => {
  it("becomes unknown after the lease, then is delivered once after the quiet period (it was lost before)", async () => {
    const h = await seeded({ limits: { leaseMs: 60_000 } });
    const key = await plannedKey(h);
    const [claimed] = await h.store.claimDueActions({
      now: h.clock.now().toISOString(),
      limit: 1,
      workerId: "host:4242",
      leaseMs: 60_000,
    });
    await h.store.transitionAction(key, ["claimed"], "sending", { at: h.clock.now().toISOString() });
    expect(claimed?.key).toBe(key);
    h.clock.advance(60_001);
    expect((await h.engine.dispatch()).recovered.unknown).toBe(1);
    expect(h.channel.calls).toBe(0);
    h.clock.advance(QUIET_MS);
    expect((await h.engine.dispatch()).sent).toBe(1);
    expect(h.channel.acceptedFor(key)).toBe(1);
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);
  });
});

describe("a restarted runner recovers its dead predecessor's claims without waiting for the lease", () => {
  it("releases the claims of the named dead workers at once, and only theirs", async () => {
    const h = await seeded({ limits: { leaseMs: 5 * 60_000 } });
    h.connector.put("customers", customer("C2", { phones: ["+5511987650002"] }));
    h.connector.put("invoices", invoice("I2", "C2"));
    await h.engine.sync();
    await h.engine.plan();
    const now = h.clock.now().toISOString();
    const [dead] = await h.store.claimDueActions({ now, limit: 1, workerId: "host:111", leaseMs: 300_000 });
    const [alive] = await h.store.claimDueActions({ now, limit: 1, workerId: "host:222", leaseMs: 300_000 });
    expect(await h.store.claimHolders()).toEqual(["host:111", "host:222"]);
    expect(await h.engine.recover({ deadWorkers: ["host:111"] })).toEqual({ released: 1, unknown: 0 });
    expect((await h.store.getAction(dead?.key ?? ""))?.status).toBe("planned");
    expect((await h.store.getAction(alive?.key ?? ""))?.status).toBe("claimed");
  });
});

describe("graceful shutdown", () => {
  it("lets the in-flight send finish and records it; releases the claimed rows not started; fails nothing", async () => {
    const h = harness();
    await plannedFor(h, ["1", "2", "3"]);
    const stop = new AbortController();
    let letThrough = () => {};
    const slow = new Promise<void>((resolve) => {
      letThrough = resolve;
    });
    h.channel.script.push({ waitFor: slow });
    const running = h.engine.dispatch({ signal: stop.signal });
    await new Promise((resolve) => setTimeout(resolve, 20));
    // SIGTERM while the first send is in flight: it must finish, its answer recorded.
    stop.abort(new CancelledError("received SIGTERM"));
    letThrough();
    const summary = await running;
    expect(summary).toMatchObject({ claimed: 3, sent: 1, released: 2, failed: 0, retried: 0 });
    expect(h.channel.accepted).toHaveLength(1);
    const statuses = (await h.store.listActions({})).map((a) => a.status).sort();
    expect(statuses).toEqual(["planned", "planned", "sent"]);
    expect((await h.store.listActions({ status: ["planned"] })).every((a) => a.attempts === 0)).toBe(true);
    expect([...h.store.activities.keys()].some((k) => k.endsWith(":message_failed"))).toBe(false);
  });

  it("releases, never fails, an action whose fresh read the shutdown aborted (the 92 messages failed before)", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    const stop = new AbortController();
    h.connector.beforeGetInvoice = async () => {
      stop.abort(new CancelledError("received SIGTERM"));
      // What the runner's abort looked like to the connector: a plain Error.
      throw new Error("received SIGTERM");
    };
    const summary = await h.engine.dispatch({ signal: stop.signal });
    expect(summary).toMatchObject({ failed: 0, released: 1 });
    expect(await h.store.getAction(key)).toMatchObject({ status: "planned", attempts: 0 });
    expect(h.store.activities.size).toBe(0);
  });

  it("treats a CancelledError from the channel as a release, not a failure", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    h.channel.script.push(new CancelledError("whatsapp: stopped before the request"));
    expect(await h.engine.dispatch()).toMatchObject({ failed: 0, released: 1, sent: 0 });
    expect(await h.store.getAction(key)).toMatchObject({ status: "planned", attempts: 0 });
    expect(h.store.activities.size).toBe(0);
    expect((await h.engine.dispatch()).sent).toBe(1);
    expect(h.channel.acceptedFor(key)).toBe(1);
  });
});

describe("outcome, activity and audit in one commit", () => {
  it("writes sent, its message_sent activity and its audit entry through one commitOutcome call", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    // Were they separate writes, a kill after the first would lose the others: make every
    // separate write of an activity or an audit entry fail, and the send is still whole.
    h.store.enqueueActivity = async () => {
      throw new Error("killed between two commits");
    };
    h.store.appendAudit = async () => {
      throw new Error("killed between two commits");
    };
    expect((await h.engine.dispatch()).sent).toBe(1);
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);
    expect(auditActions(h, key)).toEqual(["action.sent"]);
  });

  it("repairs a send that only a status webhook reports, in one commit too", async () => {
    const h = await seeded();
    const key = await plannedKey(h);
    h.channel.script.push({ acceptThenThrow: new TransientError("HTTP 503 after accept") });
    await h.engine.dispatch();
    h.store.enqueueActivity = async () => {
      throw new Error("killed between two commits");
    };
    const event = statusEvent({ status: "delivered", providerMessageId: "wamid.9", actionKey: key });
    expect((await h.engine.handleChannelEvents("wa", [event])).applied).toBe(1);
    expect(h.store.activities.has(`${key}:message_sent`)).toBe(true);
    expect(h.store.activities.has(`${key}:message_delivered`)).toBe(true);
    h.clock.advance(86_400_000);
    await h.engine.dispatch();
    expect(h.channel.acceptedFor(key)).toBe(1);
  });
});
