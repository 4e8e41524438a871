import { isReguaError } from "@regua/core";
import { expect, it } from "vitest";
import { AT, action, activity, customer, invoice, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";

export function reportTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("records each inbound event once", async () => {
    const event = {
      provider: "whatsapp/wa",
      eventId: "wamid.1:delivered",
      payload: { a: 1 },
      receivedAt: AT,
    };
    expect(await store().recordInboundEvent(event)).toBe(true);
    expect(await store().recordInboundEvent(event)).toBe(false);
    expect(await store().recordInboundEvent({ ...event, provider: "opa/x" })).toBe(true);
  });

  it("answers opt-out questions by phone, by record and by the ERP's consent", async () => {
    await store().commitPage({
      source: "erp",
      entity: "customers",
      customers: [customer("C9", { consent: "opted_out" })],
      cursor: null,
      at: AT,
    });
    await store().setOptOut({
      phone: "+5511911110000",
      source: null,
      customerRef: null,
      reason: "parar",
      at: AT,
    });
    await store().setOptOut({ phone: null, source: "erp", customerRef: "C2", reason: "operator", at: AT });
    expect(await store().isOptedOut({ phone: "+5511911110000" })).toBe(true);
    expect(await store().isOptedOut({ phone: "+5511922220000" })).toBe(false);
    expect(await store().isOptedOut({ source: "erp", customerRef: "C2" })).toBe(true);
    expect(await store().isOptedOut({ source: "other", customerRef: "C2" })).toBe(false);
    expect(await store().isOptedOut({ source: "erp", customerRef: "C9" })).toBe(true);
    expect(await store().isOptedOut({})).toBe(false);
  });

  it("keeps an audit log, newest first, filterable by subject", async () => {
    await store().appendAudit({
      at: AT,
      actor: "engine",
      action: "action.sent",
      subject: "k1",
      detail: { to: "+55" },
    });
    await store().appendAudit({
      at: NOW,
      actor: "cli:alice",
      action: "optout",
      subject: "erp/C1",
      detail: {},
    });
    await store().appendAudit({
      at: NOW,
      actor: "engine",
      action: "action.read",
      subject: "k1",
      detail: { n: 2 },
    });
    expect((await store().listAudit()).map((e) => e.action)).toEqual([
      "action.read",
      "optout",
      "action.sent",
    ]);
    expect(await store().listAudit({ subject: "k1", limit: 1 })).toEqual([
      { at: NOW, actor: "engine", action: "action.read", subject: "k1", detail: { n: 2 } },
    ]);
  });

  it("keeps plugin state per namespace", async () => {
    const state = store().state("sap-matriz");
    expect(await state.get("session")).toBeNull();
    await state.set("session", "B1SESSION=abc");
    await state.set("session", "B1SESSION=def");
    expect(await state.get("session")).toBe("B1SESSION=def");
    expect(await store().state("other").get("session")).toBeNull();
    await state.delete("session");
    expect(await state.get("session")).toBeNull();
  });

  it("refuses state() without a secretKey, with a ConfigError", async () => {
    const bare = await factory({});
    try {
      let caught: unknown;
      try {
        bare.state("x");
      } catch (error) {
        caught = error;
      }
      expect(isReguaError(caught) && caught.code).toBe("CONFIG");
      expect(String(caught)).toMatch(/secretKey/);
    } finally {
      await bare.close();
    }
  });

  it("reports aging, actions, recovery after contact, activities and sync health", async () => {
    const usd = (id: string, due: string, amount: number) =>
      invoice(id, "C2", {
        dueDate: due,
        total: { amountMinor: amount, currency: "USD" },
        openAmount: { amountMinor: amount, currency: "USD" },
      });
    await store().commitPage({
      source: "erp",
      entity: "invoices",
      invoices: [
        invoice("cur", "C1", { dueDate: "2026-03-10" }),
        invoice("d1", "C1", { dueDate: "2026-03-09" }),
        invoice("d30", "C1", { dueDate: "2026-02-08" }),
        invoice("d31", "C1", { dueDate: "2026-02-07" }),
        invoice("d90", "C1", { dueDate: "2025-12-10" }),
        invoice("d91", "C1", { dueDate: "2025-12-09" }),
        invoice("void", "C1", { status: "void", dueDate: "2025-01-01" }),
        invoice("paid-contacted", "C1", { status: "paid" }),
        invoice("paid-planned-only", "C1", { status: "paid" }),
        invoice("paid-confirmed-only", "C1", { status: "paid" }),
        invoice("paid-escalated-only", "C1", { status: "paid" }),
        usd("u1", "2026-03-01", 700),
        usd("u2", "2026-03-02", 50),
      ],
      cursor: null,
      at: AT,
    });
    await store().insertActions(
      [
        action("k1", { invoiceRefs: ["paid-contacted"] }),
        action("k2", { invoiceRefs: ["paid-planned-only"] }),
        // A payment confirmation goes out after the payment; an escalation never reaches the
        // customer: neither makes the invoice "recovered after contact".
        action("k3", { invoiceRefs: ["paid-confirmed-only"], kind: "lifecycle" }),
        action("k4", { invoiceRefs: ["paid-escalated-only"], kind: "escalate" }),
      ],
      AT,
    );
    await store().transitionAction("k1", ["planned"], "delivered", { at: NOW });
    await store().transitionAction("k3", ["planned"], "sent", { at: NOW });
    await store().transitionAction("k4", ["planned"], "sent", { at: NOW });
    await store().enqueueActivity(activity("a1"), AT);
    const run = { source: "erp", entity: "invoices" as const, startedAt: AT, records: 10 };
    await store().recordSyncRun({ ...run, finishedAt: AT, rejects: [], error: null });
    await store().recordSyncRun({
      ...run,
      finishedAt: NOW,
      records: 3,
      rejects: [{ entity: "invoices", externalId: "X", error: "dueDate: bad" }],
      error: "HTTP 502 from sap-b1",
    });

    const report = await store().report(NOW);
    expect(report.aging).toEqual([
      { bucket: "current", currency: "BRL", invoices: 1, openAmountMinor: 10_000 },
      { bucket: "1-30", currency: "BRL", invoices: 2, openAmountMinor: 20_000 },
      { bucket: "31-60", currency: "BRL", invoices: 1, openAmountMinor: 10_000 },
      { bucket: "61-90", currency: "BRL", invoices: 1, openAmountMinor: 10_000 },
      { bucket: "90+", currency: "BRL", invoices: 1, openAmountMinor: 10_000 },
      { bucket: "1-30", currency: "USD", invoices: 2, openAmountMinor: 750 },
    ]);
    expect(report.actionsByStatus).toEqual([
      { kind: "escalate", status: "sent", count: 1 },
      { kind: "lifecycle", status: "sent", count: 1 },
      { kind: "message", status: "delivered", count: 1 },
      { kind: "message", status: "planned", count: 1 },
    ]);
    expect(report.recoveredAfterContact).toEqual([{ currency: "BRL", invoices: 1, amountMinor: 10_000 }]);
    expect(report.activitiesByStatus).toEqual([{ status: "pending", count: 1 }]);
    expect(report.sync).toEqual([
      {
        source: "erp",
        entity: "invoices",
        lastFinishedAt: NOW,
        lastError: "HTTP 502 from sap-b1",
        records: 3,
        rejects: 1,
      },
    ]);
  });
}
