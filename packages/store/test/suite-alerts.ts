import type { AlertCondition } from "@regua/core";
import { expect, it } from "vitest";
import type { StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const T0 = "2026-03-10T12:00:00.000Z";
const T1 = "2026-03-10T12:05:00.000Z";
const T2 = "2026-03-10T12:10:00.000Z";

const syncFailed: AlertCondition = {
  key: "sync_failed:matriz",
  rule: "sync_failed",
  subject: "matriz",
  severity: "critical",
  title: "Source matriz: sync failing",
  text: "sap-b1 answered HTTP 503",
  fields: [{ name: "Source", value: "matriz" }],
};

/** Alert episodes (migration 0220): one start and one resolve per episode, delivery per target. */
export function alertTests(factory: StoreFactory): void {
  const store = useStore(factory);
  const alerts = () => {
    const found = store().alerts;
    if (!found) throw new Error("store without alerts");
    return found;
  };

  it("opens an alert once, refreshes it while it fires, and reopens it as a new episode", async () => {
    expect((await alerts().fire(syncFailed, T0)).opened).toBe(true);
    const again = await alerts().fire({ ...syncFailed, text: "still 503" }, T1);
    expect(again.opened).toBe(false);
    expect(again.row).toMatchObject({ status: "firing", startedAt: T0, lastSeenAt: T1, text: "still 503" });
    await alerts().markDelivered(syncFailed.key, T0, "start", ["webhook:slack", "smtp:x"]);
    await alerts().markDelivered(syncFailed.key, T0, "start", ["webhook:slack"]);
    expect((await alerts().get(syncFailed.key))?.startDelivered).toEqual(["smtp:x", "webhook:slack"]);

    expect(await alerts().resolve(syncFailed.key, T1)).toBe(true);
    expect(await alerts().resolve(syncFailed.key, T1)).toBe(false);
    expect(await alerts().get(syncFailed.key)).toMatchObject({ status: "resolved", resolvedAt: T1 });

    const reopened = await alerts().fire(syncFailed, T2);
    expect(reopened.opened).toBe(true);
    expect(reopened.row).toMatchObject({
      startedAt: T2,
      resolvedAt: null,
      startDelivered: [],
      resolveDelivered: [],
    });
    // A delivery recorded for the old episode does not count for the new one.
    await alerts().markDelivered(syncFailed.key, T0, "resolve", ["smtp:x"]);
    expect((await alerts().get(syncFailed.key))?.resolveDelivered).toEqual([]);
    expect((await alerts().list({ status: "firing" })).map((a) => a.key)).toEqual([syncFailed.key]);
  });

  it("reads the facts the rules need: sync health per source, the message window, the backlog", async () => {
    const run = { entity: "invoices" as const, startedAt: T0, records: 1, rejects: [] };
    await store().recordSyncRun({ ...run, source: "matriz", finishedAt: T0, error: null });
    await store().recordSyncRun({ ...run, source: "matriz", finishedAt: T1, error: "HTTP 503" });
    await store().recordSyncRun({ ...run, source: "filial", finishedAt: T1, error: null });
    const facts = await alerts().facts({ now: T2, since: T0 });
    expect(facts.sources.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
      { source: "filial", lastRunAt: T1, lastError: null, lastOkAt: T1 },
      { source: "matriz", lastRunAt: T1, lastError: "HTTP 503", lastOkAt: T0 },
    ]);
    expect(facts.window).toEqual({ since: T0, reached: 0, failed: 0 });
    expect(facts.deadActivities).toBe(0);
    expect(facts.oldestDue).toBeNull();
  });
}
