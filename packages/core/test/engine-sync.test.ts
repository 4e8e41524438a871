import { describe, expect, it, vi } from "vitest";
import { PermanentError, TransientError } from "../src/errors.js";
import { customer, harness, invoice, SOURCE, seeded, testPolicy } from "./support/harness.js";

describe("engine.sync", () => {
  it("commits page by page and stores the last page's cursor", async () => {
    const h = harness();
    h.connector.put("customers", customer("C1"), customer("C2"), customer("C3"));
    const progress: number[] = [];
    const summary = await h.engine.sync({
      onProgress: (p) => p.entity === "customers" && progress.push(p.records),
    });
    expect(summary.entities.find((e) => e.entity === "customers")).toMatchObject({
      pages: 2,
      records: 3,
      error: null,
    });
    expect(progress).toEqual([2, 3]);
    expect(await h.store.getCursor(SOURCE, "customers")).toBe("3");
    expect(h.store.customers.size).toBe(3);
  });

  it("resumes from the stored cursor, and a full sync ignores it", async () => {
    const h = harness();
    h.connector.put("customers", customer("C1"));
    await h.engine.sync();
    h.connector.put("customers", customer("C2"));
    await h.engine.sync();
    await h.engine.sync({ full: true });
    const starts = h.connector.listings.filter((l) => l.entity === "customers").map((l) => l.cursor);
    expect(starts).toEqual([null, "1", null]);
  });

  it("leaves the cursor where it was when a page's commit throws", async () => {
    const h = harness();
    h.connector.put("customers", customer("C1"), customer("C2"), customer("C3"));
    const commit = h.store.commitPage.bind(h.store);
    let calls = 0;
    vi.spyOn(h.store, "commitPage").mockImplementation(async (page) => {
      calls += 1;
      if (calls === 2) throw new Error("disk full");
      return commit(page);
    });
    const summary = await h.engine.sync({ source: SOURCE });
    const customers = summary.entities.find((e) => e.entity === "customers");
    expect(customers?.error).toContain("disk full");
    expect(await h.store.getCursor(SOURCE, "customers")).toBe("2");
    expect(h.store.syncRuns.find((r) => r.entity === "customers")?.error).toContain("disk full");
    // The other entities still ran.
    expect(summary.entities.map((e) => e.entity)).toEqual(["customers", "invoices", "payments"]);
  });

  it("retries a retryable listing error from the last committed cursor, a bounded number of times", async () => {
    const h = harness({ limits: { syncAttempts: 3 } });
    h.connector.put("customers", customer("C1"), customer("C2"), customer("C3"));
    h.connector.listFailure = {
      entity: "customers",
      beforePage: 1,
      error: new TransientError("ERP busy"),
      times: 1,
    };
    const summary = await h.engine.sync();
    expect(summary.errors).toBe(0);
    expect(h.connector.listings.filter((l) => l.entity === "customers").map((l) => l.cursor)).toEqual([
      null,
      "2",
    ]);
    expect(h.store.customers.size).toBe(3);

    const g = harness({ limits: { syncAttempts: 2 } });
    g.connector.put("customers", customer("C1"));
    g.connector.listFailure = {
      entity: "customers",
      beforePage: 0,
      error: new TransientError("ERP down"),
      times: 5,
    };
    const failed = await g.engine.sync();
    expect(g.connector.listings.filter((l) => l.entity === "customers")).toHaveLength(2);
    expect(failed.entities[0]?.error).toMatch(/TRANSIENT: ERP down/);
  });

  it("does not retry a permanent error", async () => {
    const h = harness();
    h.connector.put("invoices", invoice("I1", "C1"));
    h.connector.listFailure = {
      entity: "invoices",
      beforePage: 0,
      error: new PermanentError("bad query"),
      times: 5,
    };
    const summary = await h.engine.sync();
    expect(h.connector.listings.filter((l) => l.entity === "invoices")).toHaveLength(1);
    expect(summary.errors).toBe(1);
  });

  it("reports rejected records by source, entity and key, and keeps the good ones", async () => {
    const h = harness();
    h.connector.put("invoices", invoice("I1", "C1"));
    const reject = {
      entity: "invoices" as const,
      externalId: "I2",
      error: 'dueDate: must be a date (got "31/02/2026")',
    };
    h.connector.rejects.set("invoices", [reject]);
    const summary = await h.engine.sync();
    expect(summary.rejects).toBe(1);
    expect(h.store.invoices.size).toBe(1);
    expect(h.store.syncRuns.find((r) => r.entity === "invoices")?.rejects).toEqual([reject]);
    expect(h.store.audit).toContainEqual(
      expect.objectContaining({ action: "sync.reject", subject: `${SOURCE}/invoices/I2` }),
    );
    const line = h.log.lines.find((l) => l.msg.includes("rejected"));
    expect(line?.fields).toMatchObject({ source: SOURCE, entity: "invoices", externalId: "I2" });
  });

  it("skips payments when the connector cannot list them", async () => {
    const h = harness();
    h.connector.capabilities = { ...h.connector.capabilities, payments: false };
    const summary = await h.engine.sync();
    expect(summary.entities.map((e) => e.entity)).toEqual(["customers", "invoices"]);
  });
});

describe("a payment stops the sequence", () => {
  const confirming = testPolicy({
    lifecycle: {
      paymentConfirmation: {
        channel: "wa",
        template: { name: "confirmacao_pagamento" },
        variables: { "1": "customer.firstName", "2": "invoice.number" },
      },
    },
  });

  it("skips open actions of the paid invoice and queues one confirmation", async () => {
    const h = await seeded({ policy: confirming });
    await h.engine.plan();
    const [planned] = await h.store.listActions({ status: ["planned"] });
    expect(planned?.stepId).toBe("d3");

    h.connector.put(
      "invoices",
      invoice("I1", "C1", { status: "paid", openAmount: { amountMinor: 0, currency: "BRL" } }),
    );
    const summary = await h.engine.sync();
    expect(summary.paidNow).toBe(1);
    expect((await h.store.getAction(planned?.key ?? ""))?.status).toBe("skipped");
    expect((await h.store.getAction(planned?.key ?? ""))?.statusReason).toBe("paid");
    expect(h.store.activities.get(`${SOURCE}:I1:payment_confirmed`)?.activity.kind).toBe("payment_confirmed");

    await h.engine.sync({ full: true });
    const confirmations = await h.store.listActions({ status: ["planned"] });
    expect(confirmations).toHaveLength(1);
    expect(confirmations[0]).toMatchObject({ kind: "lifecycle", stepId: "lifecycle:paymentConfirmation" });

    const dispatched = await h.engine.dispatch();
    expect(dispatched.sent).toBe(1);
    expect(h.channel.accepted[0]?.message.template?.name).toBe("confirmacao_pagamento");
  });

  it("queues no confirmation when the policy has none", async () => {
    const h = await seeded();
    h.connector.put("invoices", invoice("I1", "C1", { status: "paid" }));
    await h.engine.sync();
    expect(h.store.actions.size).toBe(0);
    expect(h.store.audit).toContainEqual(expect.objectContaining({ action: "sequence.stopped" }));
    // Nothing was under way for it: nothing to write back.
    expect(h.store.activities.size).toBe(0);
  });
});

describe("engine.handleErpEvents", () => {
  it("re-reads a changed invoice and stops its sequence when it was paid", async () => {
    const h = await seeded();
    await h.engine.plan();
    h.connector.put("invoices", invoice("I1", "C1", { status: "paid" }));
    const listingsBefore = h.connector.listings.length;
    await h.engine.handleErpEvents(SOURCE, [{ kind: "changed", entity: "invoices", externalId: "I1" }]);
    expect(h.connector.getInvoiceCalls).toEqual(["I1"]);
    expect(h.connector.listings.length).toBe(listingsBefore);
    expect((await h.store.getInvoice(SOURCE, "I1"))?.status).toBe("paid");
    expect((await h.store.listActions({ status: ["skipped"] })).map((a) => a.statusReason)).toEqual(["paid"]);
  });

  it("runs an incremental sync for entities it cannot read one by one", async () => {
    const h = await seeded();
    h.connector.put("customers", customer("C9"));
    await h.engine.handleErpEvents(SOURCE, [{ kind: "changed", entity: "customers", externalId: "C9" }]);
    expect(await h.store.getCustomer(SOURCE, "C9")).not.toBeNull();
    expect(h.connector.listings.at(-1)).toEqual({ entity: "customers", cursor: "1" });
  });
});
