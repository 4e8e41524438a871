import { describe, expect, it } from "vitest";
import { UNTIL_RELEASED } from "../src/engine/index.js";
import { replyPayload } from "../src/reply.js";
import { customer, inboundEvent, invoice, SOURCE, seeded } from "./support/harness.js";

// START is Tuesday 2026-03-10 12:00 UTC; the test policy's zone is UTC.

describe("a promise to pay", () => {
  it("from a régua button with a date holds dunning until the day after, audited and written back", async () => {
    const h = await seeded();
    const event = inboundEvent({
      text: "Pago no dia 20",
      payload: replyPayload("promise", "2026-03-20"),
      intent: "promise_to_pay",
    });
    await h.engine.handleChannelEvents("wa", [event]);
    expect(await h.store.getPause(SOURCE, "C1")).toMatchObject({
      kind: "promise_to_pay",
      until: "2026-03-22T00:00:00.000Z",
      reason: "promised to pay on 2026-03-20",
    });
    expect(h.store.audit.find((a) => a.action === "promise.created")).toMatchObject({
      subject: `${SOURCE}/C1`,
      actor: "webhook:wa",
      detail: { date: "2026-03-20", until: "2026-03-22T00:00:00.000Z" },
    });
    const activity = [...h.store.activities.values()].find((a) => a.activity.kind === "promise_to_pay");
    expect(activity?.activity.details).toContain("promised for 2026-03-20");
    const plan = await h.engine.plan();
    expect(plan.actions).toBe(0);
    expect(plan.result.skips.map((s) => s.reason)).toContain("paused");
  });

  it('from free text ("vou pagar sexta") takes the next Friday', async () => {
    const h = await seeded();
    await h.engine.handleChannelEvents("wa", [
      inboundEvent({ text: "vou pagar sexta", intent: "promise_to_pay" }),
    ]);
    expect((await h.store.getPause(SOURCE, "C1"))?.until).toBe("2026-03-15T00:00:00.000Z");
  });

  it("without a date holds three days, and dunning resumes after the hold", async () => {
    const h = await seeded();
    await h.engine.handleChannelEvents("wa", [inboundEvent({ text: "vou pagar", intent: "promise_to_pay" })]);
    expect((await h.store.getPause(SOURCE, "C1"))?.until).toBe("2026-03-13T00:00:00.000Z");
    h.clock.set("2026-03-13T00:00:01.000Z");
    // The hold has run out: the customer is planned again (the d+3 step is now past the policy's
    // catch-up age, so it is skipped as too late, not as paused).
    const plan = await h.engine.plan({ full: true });
    expect(plan.result.skips.map((s) => s.reason)).not.toContain("paused");
  });
});

describe('"I already paid"', () => {
  it("holds the customer until the ERP shows the payment, then dunning of what is still open resumes", async () => {
    const h = await seeded();
    h.connector.put("invoices", invoice("I2", "C1", { dueDate: "2026-03-02" }));
    await h.engine.sync();
    await h.engine.handleChannelEvents("wa", [
      inboundEvent({ text: "Já paguei", payload: "regua:paid", intent: "already_paid" }),
    ]);
    expect(await h.store.getPause(SOURCE, "C1")).toMatchObject({
      kind: "awaiting_payment",
      until: UNTIL_RELEASED,
    });
    expect((await h.engine.plan()).actions).toBe(0);

    h.connector.put(
      "invoices",
      invoice("I1", "C1", { status: "paid", openAmount: { amountMinor: 0, currency: "BRL" } }),
    );
    await h.engine.sync();
    expect((await h.store.getPause(SOURCE, "C1"))?.until).toBeNull();
    expect(h.store.audit.find((a) => a.action === "pause.released")?.detail).toEqual({ why: "payment" });
    const plan = await h.engine.plan();
    expect(plan.result.actions.map((a) => a.invoiceRefs)).toEqual([["I2"]]);
  });

  it("an operator can release the hold before the ERP shows anything", async () => {
    const h = await seeded();
    await h.engine.handleChannelEvents("wa", [inboundEvent({ text: "já paguei", intent: "already_paid" })]);
    expect(await h.engine.releasePaymentHold(SOURCE, "C1", "admin:ana")).toBe(true);
    expect(await h.engine.releasePaymentHold(SOURCE, "C1", "admin:ana")).toBe(false);
    expect(h.store.audit.find((a) => a.action === "pause.released")).toMatchObject({
      actor: "admin:ana",
      detail: { why: "operator" },
    });
    expect((await h.engine.plan()).actions).toBe(1);
  });

  it("does not lift a promise or a pause step when a payment arrives", async () => {
    const h = await seeded();
    h.connector.put("customers", customer("C2", { phones: ["+5511987651111"] }));
    await h.engine.sync();
    await h.engine.handleChannelEvents("wa", [
      inboundEvent({ text: "vou pagar dia 20", intent: "promise_to_pay" }),
    ]);
    h.connector.put(
      "invoices",
      invoice("I1", "C1", { status: "paid", openAmount: { amountMinor: 0, currency: "BRL" } }),
    );
    await h.engine.sync();
    expect(await h.store.getPause(SOURCE, "C1")).toMatchObject({
      kind: "promise_to_pay",
      until: "2026-03-22T00:00:00.000Z",
    });
  });
});
