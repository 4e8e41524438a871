import { describe, expect, it } from "vitest";
import { customer, harness, invoice, SOURCE, seeded, testPolicy } from "./support/harness.js";

const message = (name: string) => ({
  channel: "wa",
  template: { name },
  variables: { "1": "customer.firstName", "2": "invoice.number" },
});

const policy = testPolicy({
  lifecycle: {
    paymentConfirmation: message("confirmacao_pagamento"),
    cancellation: message("fatura_cancelada"),
    renegotiation: message("acordo_firmado"),
    negativeRecordRemoval: message("nome_limpo"),
  },
});

async function planned(h: Awaited<ReturnType<typeof seeded>>) {
  await h.engine.plan();
  const [action] = await h.store.listActions({ status: ["planned"] });
  expect(action?.stepId).toBe("d3");
  return action?.key ?? "";
}

const lifecycleActions = async (h: Awaited<ReturnType<typeof seeded>>) =>
  (await h.store.listActions({ status: ["planned"] })).filter((a) => a.kind === "lifecycle");

describe("lifecycle from status changes", () => {
  it("an invoice cancelled in the ERP stops its sequence, queues the cancellation and audits it", async () => {
    const h = await seeded({ policy });
    const key = await planned(h);
    h.connector.put("invoices", invoice("I1", "C1", { status: "cancelled" }));
    const summary = await h.engine.sync();
    expect(summary.stopped).toBe(1);
    expect(await h.store.getAction(key)).toMatchObject({ status: "skipped", statusReason: "cancelled" });
    expect((await lifecycleActions(h)).map((a) => a.stepId)).toEqual(["lifecycle:cancellation"]);
    expect(h.store.audit).toContainEqual(
      expect.objectContaining({
        action: "sequence.stopped",
        subject: `${SOURCE}/C1`,
        detail: expect.objectContaining({ invoice: "I1", previous: "open", reason: "cancelled", skipped: 1 }),
      }),
    );
    // Seen cancelled again: nothing new.
    await h.engine.sync({ full: true });
    expect(await lifecycleActions(h)).toHaveLength(1);
    const dispatched = await h.engine.dispatch();
    expect(dispatched.sent).toBe(1);
    expect(h.channel.accepted[0]?.message.template?.name).toBe("fatura_cancelada");
  });

  it("a renegotiation names the new installments; a written-off invoice paid fires the negative-record removal", async () => {
    const h = await seeded({ policy });
    h.connector.put("invoices", invoice("I2", "C1", { status: "written_off" }));
    await h.engine.sync();
    h.connector.put("invoices", invoice("I1", "C1", { status: "renegotiated", replacedBy: ["R1", "R2"] }));
    h.connector.put("invoices", invoice("R1", "C1"), invoice("I2", "C1", { status: "paid" }));
    await h.engine.sync();
    const actions = await lifecycleActions(h);
    expect(actions.map((a) => [a.invoiceRefs[0], a.stepId]).sort()).toEqual([
      ["I1", "lifecycle:renegotiation"],
      ["I2", "lifecycle:negativeRecordRemoval"],
    ]);
    expect(actions.find((a) => a.invoiceRefs[0] === "I1")?.payload.replacedBy).toEqual(["R1", "R2"]);
    expect(h.store.audit).toContainEqual(
      expect.objectContaining({
        action: "sequence.stopped",
        detail: expect.objectContaining({ replacedBy: ["R1", "R2"] }),
      }),
    );
  });

  it("an ERP deletion event stops the sequence at once, without a listing", async () => {
    const h = await seeded({ policy });
    const key = await planned(h);
    const listings = h.connector.listings.length;
    await h.engine.handleErpEvents(SOURCE, [{ kind: "deleted", entity: "invoices", externalId: "I1" }]);
    expect(h.connector.listings.length).toBe(listings);
    expect(await h.store.getAction(key)).toMatchObject({ status: "skipped", statusReason: "deleted" });
    expect((await h.store.getInvoice(SOURCE, "I1"))?.deletedAt).toBeTruthy();
    expect((await lifecycleActions(h)).map((a) => a.stepId)).toEqual(["lifecycle:cancellation"]);
    expect(h.store.audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(["erp.deleted", "sequence.stopped"]),
    );
  });
});

describe("full reconcile", () => {
  it("marks records missing from a complete full listing deleted; an incremental sync never does", async () => {
    const h = await seeded({ policy });
    h.connector.put("invoices", invoice("I2", "C1"));
    await h.engine.sync();
    const key = await planned(h);
    h.connector.remove("invoices", "I1");
    h.clock.advance(60_000);
    await h.engine.sync();
    expect((await h.store.getInvoice(SOURCE, "I1"))?.deletedAt).toBeUndefined();

    h.clock.advance(60_000);
    const summary = await h.engine.sync({ full: true });
    expect(summary.deleted).toBe(1);
    expect((await h.store.getInvoice(SOURCE, "I1"))?.deletedAt).toBeTruthy();
    expect((await h.store.getInvoice(SOURCE, "I2"))?.deletedAt).toBeUndefined();
    expect(await h.store.getAction(key)).toMatchObject({ status: "skipped", statusReason: "deleted" });
    expect(h.store.audit).toContainEqual(
      expect.objectContaining({ action: "sync.reconcile", detail: { deleted: 1, invoices: ["I1"] } }),
    );
  });

  it("does not apply the diff when the listing failed or came back empty", async () => {
    const h = await seeded();
    h.connector.remove("invoices", "I1");
    h.clock.advance(60_000);
    await h.engine.sync({ full: true });
    expect((await h.store.getInvoice(SOURCE, "I1"))?.deletedAt).toBeUndefined();

    h.connector.put("invoices", invoice("I5", "C1"));
    h.connector.listFailure = { entity: "invoices", beforePage: 0, error: new Error("boom"), times: 5 };
    h.clock.advance(60_000);
    const failed = await h.engine.sync({ full: true });
    expect(failed.errors).toBeGreaterThan(0);
    expect((await h.store.getInvoice(SOURCE, "I1"))?.deletedAt).toBeUndefined();
  });
});

describe("validation at the boundary", () => {
  it("quarantines a malformed record with its zod path and commits the rest of the page", async () => {
    const h = harness();
    h.connector.pageSize = 10;
    const broken = { ...invoice("BAD", "C1"), dueDate: "31/02/2026" };
    h.connector.put("customers", customer("C1"));
    h.connector.put("invoices", invoice("I1", "C1"), broken, invoice("I2", "C1"), invoice("I3", "C1"));
    const summary = await h.engine.sync();
    expect(summary.errors).toBe(0);
    expect(summary.quarantined).toBe(1);
    expect(h.store.invoices.size).toBe(3);
    expect(h.store.quarantine).toEqual([
      expect.objectContaining({
        source: SOURCE,
        entity: "invoices",
        externalId: "BAD",
        issues: [expect.objectContaining({ path: "dueDate" })],
        raw: expect.objectContaining({ dueDate: "31/02/2026" }),
      }),
    ]);
    expect(h.store.quarantine[0]?.error).toMatch(/^erp invoices BAD: dueDate: /);
  });

  it("fails the sync loudly when most of a page is invalid (a mapper bug)", async () => {
    const h = harness();
    h.connector.pageSize = 10;
    const bad = (id: string) => ({ ...invoice(id, "C1"), total: { amountMinor: 1.5, currency: "BRL" } });
    h.connector.put("invoices", bad("B1"), bad("B2"), bad("B3"), invoice("I1", "C1"));
    const summary = await h.engine.sync();
    const invoices = summary.entities.find((e) => e.entity === "invoices");
    expect(invoices?.error).toMatch(/VALIDATION: erp invoices: 3 of 4 records .* fail the core schema/);
    expect(h.store.invoices.size).toBe(0);
    expect(await h.store.getCursor(SOURCE, "invoices")).toBeNull();
  });

  it("refuses a record that names another source", async () => {
    const h = harness();
    h.connector.put("invoices", invoice("I1", "C1"), { ...invoice("X", "C1"), source: "other" });
    await h.engine.sync();
    expect([...h.store.invoices.keys()]).toHaveLength(1);
    expect(h.store.quarantine[0]?.issues).toEqual([
      { path: "source", message: 'must be "erp" (got "other")' },
    ]);
  });
});
