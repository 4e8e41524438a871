import { describe, expect, it } from "vitest";
import { AuthError, RecipientError } from "../src/errors.js";
import {
  customer,
  inboundEvent,
  invoice,
  SOURCE,
  seeded,
  sentAction,
  statusEvent,
} from "./support/harness.js";

const PHONE = "+5511987650000";
const DAY_MS = 86_400_000;

function failed(
  code: string,
  message: string,
  issue: "window_closed" | "engagement_limit" | "undeliverable",
) {
  return statusEvent({
    status: "failed",
    providerMessageId: "wamid.1",
    recipient: PHONE,
    error: { code, message, issue },
  });
}

describe("delivery issues reported by a failed status", () => {
  it("window closed (131047): planned again at once, sent again, never counted as failed", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    await h.engine.handleChannelEvents("wa", [failed("131047", "Re-engagement message", "window_closed")]);
    const row = await h.store.getAction(action.key);
    expect(row).toMatchObject({ status: "planned", attempts: 1, dueAt: h.clock.now().toISOString() });
    expect(row?.statusReason).toContain("resending as a template");
    expect(h.store.audit.map((a) => a.action)).toContain("action.requeued");
    await h.engine.dispatch();
    expect(h.channel.accepted).toHaveLength(2);
    expect((await h.store.getAction(action.key))?.providerMessageId).toBe("wamid.2");
  });

  it("engagement limit (131049): no new attempt for 24 hours", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    const at = h.clock.now().getTime();
    await h.engine.handleChannelEvents("wa", [
      failed(
        "131049",
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "engagement_limit",
      ),
    ]);
    expect((await h.store.getAction(action.key))?.dueAt).toBe(new Date(at + DAY_MS).toISOString());
    h.clock.advance(DAY_MS - 1_000);
    await h.engine.dispatch();
    expect(h.channel.accepted).toHaveLength(1);
    // 24 hours on, the action is taken again; this policy's window for it (its day) has passed,
    // so it ends as expired rather than going out late: the régua's next step carries on.
    h.clock.advance(1_000);
    await h.engine.dispatch();
    expect(await h.store.getAction(action.key)).toMatchObject({ status: "skipped", statusReason: "expired" });
  });

  it("undeliverable (131026): the number is flagged, the planner skips it with a trace, a reply clears it", async () => {
    const h = await seeded();
    const action = await sentAction(h);
    await h.engine.handleChannelEvents("wa", [failed("131026", "Message undeliverable", "undeliverable")]);
    expect((await h.store.getAction(action.key))?.status).toBe("failed");
    expect(await h.store.phoneFlags([PHONE])).toMatchObject([
      { phone: PHONE, channel: "wa", code: "131026" },
    ]);
    expect((await h.store.report(h.clock.now().toISOString())).flaggedPhones).toHaveLength(1);

    h.connector.put("invoices", invoice("I2", "C1", { dueDate: "2026-03-05" }));
    await h.engine.sync();
    h.clock.advance(3 * DAY_MS);
    const plan = await h.engine.plan();
    expect(plan.actions).toBe(0);
    const skip = plan.result.skips.find((s) => s.reason === "undeliverable");
    expect(skip?.trace.at(-1)?.reason).toContain(PHONE);

    await h.engine.handleChannelEvents("wa", [inboundEvent({ from: PHONE, text: "oi" })]);
    expect(await h.store.phoneFlags([PHONE])).toEqual([]);
    expect(h.store.audit.map((a) => a.action)).toContain("phone.flag_cleared");
    expect((await h.engine.plan()).actions).toBe(1);
  });

  it("a new number in the ERP is used again", async () => {
    const h = await seeded();
    await sentAction(h);
    await h.engine.handleChannelEvents("wa", [failed("131026", "Message undeliverable", "undeliverable")]);
    h.connector.put("customers", customer("C1", { phones: ["+5511976541234"] }));
    h.connector.put("invoices", invoice("I2", "C1", { dueDate: "2026-03-05" }));
    await h.engine.sync();
    h.clock.advance(3 * DAY_MS);
    await h.engine.plan();
    await h.engine.dispatch();
    expect(h.channel.sentTo("+5511976541234")).toBe(1);
  });
});

describe("delivery issues thrown by a send", () => {
  it("undeliverable: the action fails once, the number is flagged", async () => {
    const h = await seeded();
    h.channel.script.push(
      new RecipientError("undeliverable", "Message undeliverable", {
        provider: { system: "whatsapp", code: 131026, message: "Message undeliverable" },
      }),
    );
    await h.engine.plan();
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ failed: 1, retried: 0 });
    expect(await h.store.phoneFlags([PHONE])).toMatchObject([{ code: "131026" }]);
  });

  it("window closed with nothing to switch to: fails, free text is not retried", async () => {
    const h = await seeded();
    h.channel.script.push(new RecipientError("window_closed", "Re-engagement message"));
    await h.engine.plan();
    expect(await h.engine.dispatch()).toMatchObject({ failed: 1, retried: 0 });
    expect(h.channel.calls).toBe(1);
  });

  it("engagement limit: retried no sooner than 24 hours", async () => {
    const h = await seeded();
    h.channel.script.push(new RecipientError("engagement_limit", "healthy ecosystem engagement"));
    await h.engine.plan();
    const at = h.clock.now().getTime();
    expect(await h.engine.dispatch()).toMatchObject({ retried: 1 });
    const [row] = await h.store.listActions({ status: ["planned"] });
    expect(Date.parse(row?.dueAt ?? "")).toBe(at + DAY_MS);
  });
});

describe("a refused token (190 / HTTP 401)", () => {
  async function threeDue() {
    const h = await seeded();
    for (const id of ["C2", "C3"]) {
      h.connector.put("customers", customer(id, { phones: [`+55119876${id === "C2" ? "52222" : "53333"}`] }));
      h.connector.put("invoices", invoice(`I-${id}`, id));
    }
    await h.engine.sync();
    await h.engine.plan();
    return h;
  }

  it("pauses the whole channel once: one alert, one audit entry, every claimed action back to planned", async () => {
    const h = await threeDue();
    h.channel.healthy = false;
    h.channel.script.push(new AuthError("Error validating access token: Session has expired."));
    const summary = await h.engine.dispatch();
    expect(summary).toMatchObject({ claimed: 3, sent: 0, failed: 0, retried: 3 });
    expect(h.channel.calls).toBe(1);
    expect(h.store.audit.filter((a) => a.action === "channel.paused")).toHaveLength(1);
    expect(h.log.lines.filter((l) => l.fields.alert === "channel_paused")).toHaveLength(1);
    const rows = await h.store.listActions({ status: ["planned"] });
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.attempts === 0 && r.statusReason?.includes("paused"))).toBe(true);

    // Still refused at the next probe: nothing sent, no second alert.
    h.clock.advance(61_000);
    await h.engine.dispatch();
    expect(h.channel.healthChecks).toBe(1);
    expect(h.channel.calls).toBe(1);
    expect(h.store.audit.filter((a) => a.action === "channel.paused")).toHaveLength(1);

    // The token works again: the channel resumes by itself and everything goes out.
    h.channel.healthy = true;
    h.clock.advance(61_000);
    expect(await h.engine.dispatch()).toMatchObject({ sent: 3 });
    expect(h.store.audit.filter((a) => a.action === "channel.resumed")).toHaveLength(1);
    expect((await h.store.listActions({ status: ["failed"] })).length).toBe(0);
  });
});

// keep SOURCE referenced for readers grepping the harness constants
void SOURCE;
