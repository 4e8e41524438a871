// A webhook's targeted sync takes no lease, so it can run while a scheduled sync is between
// reading a page and committing it. Here it does, in the bad order: the scheduled sync read the
// invoice open (10:00), the webhook's read finds it paid (10:01) and commits first, then the
// scheduled page commits the 10:00 copy. Newest wins: the invoice stays paid, nothing is planned.
import { describe, expect, it } from "vitest";
import type { SyncPage } from "../src/store-port.js";
import { customer, harness, invoice, SOURCE } from "./support/harness.js";

const FIRST_SYNCED = "2026-03-01T09:00:00.000Z";
const READ_BY_SCHEDULE = "2026-03-10T10:00:00.000Z";
const PAID_AT = "2026-03-10T10:01:00.000Z";

/**
 * I1 synced open and not planned yet; then the ERP edits it (10:00), and the scheduled sync that
 * lists that edit is held before its invoice page commits while `webhook` runs: the ERP records
 * the payment (10:01) and an ERP webhook names the invoice.
 */
async function raceScheduledSyncWithWebhook(h: ReturnType<typeof harness>) {
  h.connector.put("customers", customer("C1"));
  h.connector.put("invoices", invoice("I1", "C1", { updatedAt: FIRST_SYNCED }));
  await h.engine.sync();
  h.connector.put("invoices", invoice("I1", "C1", { updatedAt: READ_BY_SCHEDULE, number: "NF-1 (obs)" }));

  const commit = h.store.commitPage.bind(h.store);
  let held = true;
  h.store.commitPage = async (page: SyncPage) => {
    if (held && page.invoices?.some((i) => i.externalId === "I1" && i.status === "open")) {
      held = false;
      const paid = { status: "paid" as const, openAmount: { amountMinor: 0, currency: "BRL" } };
      h.connector.put("invoices", invoice("I1", "C1", { ...paid, updatedAt: PAID_AT }));
      await h.engine.handleErpEvents(SOURCE, [{ kind: "changed", entity: "invoices", externalId: "I1" }]);
      expect((await h.store.getInvoice(SOURCE, "I1"))?.status).toBe("paid");
    }
    return commit(page);
  };
  const scheduled = await h.engine.sync();
  expect(held).toBe(false);
  return scheduled;
}

async function expectPaidAndUnplanned(h: ReturnType<typeof harness>): Promise<void> {
  expect(await h.store.getInvoice(SOURCE, "I1")).toMatchObject({ status: "paid", updatedAt: PAID_AT });
  // Stopped once, when the webhook's copy landed; the stale page reported no change back.
  const statusAudits = h.store.audit.filter((a) => a.action === "invoice.status");
  expect(statusAudits).toEqual([]);
  const plan = await h.engine.plan();
  expect(plan.inserted).toBe(0);
  expect(await h.store.listActions({ source: SOURCE })).toEqual([]);
  expect(h.log.lines.some((l) => l.msg.includes("older than the stored copies were not applied"))).toBe(true);
}

describe("a scheduled sync and a webhook's targeted sync committing out of order", () => {
  it("keeps the invoice the webhook's fresh read found paid (getInvoice)", async () => {
    const h = harness();
    const scheduled = await raceScheduledSyncWithWebhook(h);
    expect(h.connector.getInvoiceCalls).toEqual(["I1"]);
    expect(scheduled.paidNow).toBe(0);
    await expectPaidAndUnplanned(h);
  });

  it("keeps the invoice the webhook's incremental sync found paid (no getInvoice)", async () => {
    const h = harness();
    h.connector.capabilities = { ...h.connector.capabilities, getInvoice: false };
    await raceScheduledSyncWithWebhook(h);
    expect(h.connector.getInvoiceCalls).toEqual([]);
    await expectPaidAndUnplanned(h);
    // The scheduled page's cursor is behind the webhook's: the next sync reads I1 again, paid.
    const next = await h.engine.sync();
    expect(next.paidNow).toBe(0);
    expect((await h.store.getInvoice(SOURCE, "I1"))?.status).toBe("paid");
  });

  it("a dispatch's fresh read older than the stored copy returns the stored copy", async () => {
    const h = harness();
    h.connector.put("customers", customer("C1"));
    h.connector.put("invoices", invoice("I1", "C1", { updatedAt: READ_BY_SCHEDULE }));
    await h.engine.sync();
    await h.engine.plan();
    // The ERP answers the dispatch's read with the 10:00 copy (a lagging replica, a slow
    // request); meanwhile a webhook's sync stored the 10:01 payment.
    h.connector.beforeGetInvoice = async () => {
      h.connector.beforeGetInvoice = null;
      const paid = { status: "paid" as const, openAmount: { amountMinor: 0, currency: "BRL" } };
      await h.store.commitPage({
        source: SOURCE,
        entity: "invoices",
        invoices: [invoice("I1", "C1", { ...paid, updatedAt: PAID_AT })],
        cursor: null,
        at: PAID_AT,
      });
    };
    await h.engine.dispatch();
    expect(h.connector.getInvoiceCalls).toEqual(["I1"]);
    expect(h.channel.accepted).toEqual([]);
    expect(await h.store.listActions({ source: SOURCE })).toMatchObject([{ status: "skipped" }]);
    expect((await h.store.getInvoice(SOURCE, "I1"))?.status).toBe("paid");
  });
});
