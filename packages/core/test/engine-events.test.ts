import { describe, expect, it, vi } from "vitest";
import { classifyReply } from "../src/reply.js";
import {
  customer,
  inboundEvent,
  invoice,
  SOURCE,
  seeded,
  sentAction,
  statusEvent,
} from "./support/harness.js";

describe("status webhooks", () => {
  it("moves a sent action forward and writes each step back once", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    const delivered = statusEvent({ status: "delivered", providerMessageId: "wamid.1" });
    const read = statusEvent({ status: "read", providerMessageId: "wamid.1" });
    expect(await h.engine.handleChannelEvents("wa", [delivered])).toMatchObject({
      applied: 1,
      duplicates: 0,
    });
    expect((await h.store.getAction(action.key))?.status).toBe("delivered");
    await h.engine.handleChannelEvents("wa", [read]);
    expect((await h.store.getAction(action.key))?.status).toBe("read");
    expect([...h.store.activities.keys()].filter((k) => k.startsWith(action.key)).sort()).toEqual(
      [`${action.key}:message_delivered`, `${action.key}:message_read`, `${action.key}:message_sent`].sort(),
    );
  });

  it("is idempotent when the provider delivers the same event again", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    const failed = statusEvent({
      status: "failed",
      providerMessageId: "wamid.1",
      error: { code: "131047", message: "Re-engagement message" },
    });
    const first = await h.engine.handleChannelEvents("wa", [failed]);
    const auditBefore = h.store.audit.length;
    const activitiesBefore = h.store.activities.size;
    const again = await h.engine.handleChannelEvents("wa", [failed, failed]);
    expect(first).toMatchObject({ applied: 1 });
    expect(again).toMatchObject({ received: 2, duplicates: 2, applied: 0 });
    expect(h.store.audit.length).toBe(auditBefore);
    expect(h.store.activities.size).toBe(activitiesBefore);
    const row = await h.store.getAction(action.key);
    expect(row?.status).toBe("failed");
    expect(row?.statusReason).toContain("131047");
  });

  it("never moves a status backwards on out-of-order delivery", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    const summary = await h.engine.handleChannelEvents("wa", [
      statusEvent({ status: "read", providerMessageId: "wamid.1" }),
      statusEvent({ status: "delivered", providerMessageId: "wamid.1" }),
      statusEvent({ status: "sent", providerMessageId: "wamid.1" }),
      statusEvent({ status: "failed", providerMessageId: "wamid.1", error: { code: "1", message: "late" } }),
    ]);
    expect(summary).toMatchObject({ applied: 1, ignored: 3 });
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "read", statusReason: null });
  });

  it("applies the rest of a delivery when one event fails", async () => {
    const h = await seeded();
    await sentAction(h);
    const find = h.store.findActionByProviderMessageId.bind(h.store);
    vi.spyOn(h.store, "findActionByProviderMessageId").mockImplementation(async (id) => {
      if (id === "wamid.broken") throw new Error("connection reset");
      return find(id);
    });
    const summary = await h.engine.handleChannelEvents("wa", [
      statusEvent({ status: "delivered", providerMessageId: "wamid.broken" }),
      statusEvent({ status: "delivered", providerMessageId: "wamid.1" }),
    ]);
    expect(summary).toMatchObject({ failed: 1, applied: 1 });
    expect(h.store.audit.find((a) => a.action === "event.failed")?.detail.reason).toContain(
      "connection reset",
    );
  });

  it("counts statuses for messages it does not know as unmatched", async () => {
    const h = await seeded();
    const summary = await h.engine.handleChannelEvents("wa", [
      statusEvent({ status: "delivered", providerMessageId: "x" }),
    ]);
    expect(summary).toMatchObject({ unmatched: 1, applied: 0 });
  });
});

describe("inbound replies", () => {
  it("opts out on PARAR: open actions stop, the phone is never planned again", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    h.connector.put("invoices", invoice("I2", "C1"));
    await h.engine.sync();
    await h.engine.plan();
    const [open] = await h.store.listActions({ status: ["planned"] });
    expect(open).toBeDefined();

    const reply = inboundEvent({ text: "PARAR", intent: classifyReply("PARAR"), replyTo: "wamid.1" });
    expect(await h.engine.handleChannelEvents("wa", [reply])).toMatchObject({ applied: 1 });
    expect(await h.store.isOptedOut({ phone: "+5511987650000" })).toBe(true);
    expect(await h.store.getAction(open?.key ?? "")).toMatchObject({
      status: "skipped",
      statusReason: "opted_out",
    });
    const optedOut = [...h.store.activities.values()].find((a) => a.activity.kind === "opted_out");
    expect(optedOut?.activity).toMatchObject({ customerRef: "C1", actionKey: action.key });

    h.clock.advance(7 * 86_400_000);
    h.connector.put("invoices", invoice("I3", "C1", { dueDate: "2026-03-05" }));
    await h.engine.sync();
    const later = await h.engine.plan();
    expect(later.inserted).toBe(0);
    expect(later.result.skips.map((s) => s.reason)).toContain("opted_out");
    await h.engine.dispatch();
    expect(h.channel.accepted).toHaveLength(1);
  });

  it("opts out every customer who shares the phone", async () => {
    const h = await seeded();
    h.connector.put("customers", customer("C2"));
    h.connector.put("invoices", invoice("I9", "C2"));
    await h.engine.sync();
    await h.engine.plan();
    expect(h.store.actions.size).toBe(2);
    await h.engine.handleChannelEvents("wa", [inboundEvent({ text: "stop", intent: "opt_out" })]);
    const statuses = (await h.store.listActions({})).map((a) => a.status);
    expect(statuses).toEqual(["skipped", "skipped"]);
  });

  it("marks the latest contact replied, which the planner's history sees", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    await h.engine.handleChannelEvents("wa", [inboundEvent({ text: "ok, obrigado", intent: "other" })]);
    const history = await h.store.actionHistory(SOURCE, "C1");
    expect(history.find((e) => e.key === action.key)?.repliedAt).not.toBeNull();
    const reply = [...h.store.activities.values()].find((a) => a.activity.kind === "reply_received");
    expect(reply?.activity.details).toBe("ok, obrigado");
  });

  it("re-reads the invoices when the customer says they already paid", async () => {
    const h = await seeded();
    await h.engine.plan();
    h.connector.put("invoices", invoice("I1", "C1", { status: "paid" }));
    await h.engine.handleChannelEvents("wa", [
      inboundEvent({ text: "já paguei", intent: classifyReply("já paguei") }),
    ]);
    expect(h.connector.getInvoiceCalls).toContain("I1");
    expect((await h.store.listActions({})).map((a) => [a.status, a.statusReason])).toEqual([
      ["skipped", "paid"],
    ]);
  });

  it("turns a request for a person into an escalation activity", async () => {
    const h = await seeded();
    await sentAction(h);
    await h.engine.handleChannelEvents("wa", [
      inboundEvent({ text: "quero falar com atendente", intent: "talk_to_human" }),
    ]);
    expect([...h.store.activities.values()].map((a) => a.activity.kind)).toContain("escalated");
  });

  it("counts a reply from a phone it does not know as unmatched", async () => {
    const h = await seeded();
    const summary = await h.engine.handleChannelEvents("wa", [
      inboundEvent({ from: "+5521999990000", intent: "other" }),
    ]);
    expect(summary).toMatchObject({ unmatched: 1 });
  });
});
