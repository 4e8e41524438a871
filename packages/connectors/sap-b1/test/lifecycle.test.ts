import { type Channel, type Connector, createEngine, type Engine, ManualClock } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { createMemoryChannel, createTestContext, type MemoryChannel, openPolicy } from "@regua/testkit";
import { afterEach, describe, expect, it } from "vitest";
import connector from "../src/index.js";
import { LOGIN, recordingLogger, startFake, TODAY } from "./support.js";

/**
 * SAP's lifecycle onto contract v2, through the engine and a real store: an invoice cancelled in
 * SAP (the Cancel action: Cancelled tYES, CancelStatus csYes, plus a cancellation document) and an
 * invoice gone from the company database (caught by a full reconcile) stop their sequences,
 * queue the policy's cancellation message and leave an audit entry.
 */
const SOURCE = "matriz";
const CHANNEL = "wa";
const message = (name: string) => ({
  channel: CHANNEL,
  template: { name },
  variables: { "1": "customer.firstName", "2": "invoice.number" },
});
const policy = openPolicy({
  steps: [{ id: "d1", offsetDays: 1, ...message("fatura_vencida") }],
  lifecycle: { cancellation: message("fatura_cancelada") },
});

interface World {
  fake: FakeServiceLayer;
  store: ReguaStore;
  engine: Engine;
  channel: MemoryChannel;
  sap: Connector;
  clock: ManualClock;
}

async function world(): Promise<World> {
  const fake = await startFake("v2");
  const clock = new ManualClock(`${TODAY}T12:00:00Z`);
  const store = createSqliteStore({ file: ":memory:" });
  await store.migrate();
  const ctx = createTestContext({ instanceId: SOURCE, clock, log: recordingLogger([]) });
  const sap = await connector.create(connector.optionsSchema.parse({ baseUrl: fake.url, ...LOGIN }), ctx);
  const channel = createMemoryChannel({ clock });
  const wa: Channel = await channel.definition.create({}, createTestContext({ instanceId: CHANNEL, clock }));
  const engine = createEngine({
    store,
    connectors: new Map([[SOURCE, sap]]),
    channels: new Map([[CHANNEL, wa]]),
    policy,
    clock,
    log: recordingLogger([]),
    workerId: "sap-lifecycle",
    random: () => 0.5,
  });
  return { fake, store, engine, channel, sap, clock };
}

/** A planned d+1 action of an open invoice, and that invoice's DocEntry. */
async function plannedInvoice(
  w: World,
  skip: readonly string[] = [],
): Promise<{ key: string; docEntry: string }> {
  const actions = await w.store.listActions({ status: ["planned"] });
  const action = actions.find((a) => a.stepId === "d1" && !skip.includes(a.invoiceRefs[0] ?? ""));
  const docEntry = action?.invoiceRefs[0];
  if (!action || !docEntry) throw new Error("the seeded company has no invoice under dunning");
  return { key: action.key, docEntry };
}

const lifecycleFor = async (w: World, docEntry: string) =>
  (await w.store.listActions({ status: ["planned"] })).filter(
    (a) => a.kind === "lifecycle" && a.invoiceRefs[0] === docEntry,
  );

describe("SAP B1 lifecycle through the engine", () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.sap.close();
    await w?.store.close();
    await w?.fake.close();
    w = undefined;
  });

  it("an invoice cancelled in SAP stops its sequence with the cancellation message and an audit entry", async () => {
    w = await world();
    await w.engine.sync();
    await w.engine.plan();
    const { key, docEntry } = await plannedInvoice(w);
    const cancellation = await w.fake.cancelInvoice(Number(docEntry), TODAY);
    w.clock.advance(60_000);
    const summary = await w.engine.sync();
    expect(summary.stopped).toBeGreaterThanOrEqual(1);
    expect(await w.store.getAction(key)).toMatchObject({ status: "skipped", statusReason: "cancelled" });
    expect(await w.store.getInvoice(SOURCE, docEntry)).toMatchObject({ status: "cancelled" });
    expect((await lifecycleFor(w, docEntry)).map((a) => a.stepId)).toEqual(["lifecycle:cancellation"]);
    // The cancellation document SAP adds is never dunned nor announced.
    expect(await w.store.getInvoice(SOURCE, String(cancellation))).toMatchObject({ status: "void" });
    expect(await lifecycleFor(w, String(cancellation))).toEqual([]);
    const audit = await w.store.listAudit({ limit: 100 });
    expect(audit).toContainEqual(
      expect.objectContaining({
        action: "sequence.stopped",
        detail: expect.objectContaining({ invoice: docEntry, reason: "cancelled" }),
      }),
    );
    await w.engine.dispatch();
    expect(w.channel.sent.map((s) => s.message.template?.name)).toContain("fatura_cancelada");
  });

  it("an invoice gone from SAP is marked deleted by a full reconcile and its sequence stops", async () => {
    w = await world();
    await w.engine.sync();
    await w.engine.plan();
    const { key, docEntry } = await plannedInvoice(w);
    await w.fake.remove("Invoices", Number(docEntry));
    w.clock.advance(60_000);
    await w.engine.sync();
    expect((await w.store.getInvoice(SOURCE, docEntry))?.deletedAt ?? null).toBeNull();
    w.clock.advance(60_000);
    const summary = await w.engine.sync({ full: true });
    expect(summary.deleted).toBe(1);
    expect((await w.store.getInvoice(SOURCE, docEntry))?.deletedAt).toBeTruthy();
    expect(await w.store.getAction(key)).toMatchObject({ status: "skipped", statusReason: "deleted" });
    expect((await lifecycleFor(w, docEntry)).map((a) => a.stepId)).toEqual(["lifecycle:cancellation"]);
    const audit = await w.store.listAudit({ limit: 100 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "sync.reconcile", detail: expect.objectContaining({ deleted: 1 }) }),
    );
  });
});
