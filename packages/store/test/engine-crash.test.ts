// The engine against the real SQLite store across process deaths: a runner killed mid-dispatch
// and restarted never sends a message twice. The runner is packages/core/test/support/engine-worker.ts
// (plain node, the built packages), with a channel that appends every accepted message to a file.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ActionStatus,
  Customer,
  createEngine,
  Invoice,
  ManualClock,
  type PolicyInput,
  PolicySchema,
  silentLogger,
} from "@regua/core";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStore, type ReguaStore } from "../src/index.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LEASE_MS = 60_000;
const ALL_DAY = "00:00-24:00";
const POLICY: PolicyInput = {
  timezone: "UTC",
  window: {
    mon: ALL_DAY,
    tue: ALL_DAY,
    wed: ALL_DAY,
    thu: ALL_DAY,
    fri: ALL_DAY,
    sat: ALL_DAY,
    sun: ALL_DAY,
  },
  holidays: null,
  caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
  steps: [
    {
      id: "d3",
      offsetDays: 3,
      channel: "wa",
      template: { name: "fatura_vencida" },
      variables: { "1": "customer.firstName", "2": "invoice.number" },
    },
  ],
};
const WORKER = fileURLToPath(new URL("../../core/test/support/engine-worker.ts", import.meta.url));
const CORE_URL = new URL("../../core/dist/index.js", import.meta.url).href;
const STORE_URL = new URL("../dist/index.js", import.meta.url).href;

const dir = mkdtempSync(join(tmpdir(), "regua-engine-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Sent {
  actionKey: string;
  providerMessageId: string;
}

/** A SQLite file with `count` customers, one overdue invoice each, and their actions planned. */
async function plannedStore(name: string, count: number): Promise<{ file: string; keys: string[] }> {
  const file = join(dir, `${name}.db`);
  const store = createSqliteStore({ file });
  await store.migrate();
  const ids = Array.from({ length: count }, (_, i) => String(i + 1).padStart(3, "0"));
  const customers = ids.map((id) =>
    Customer.parse({
      source: "erp",
      externalId: `C${id}`,
      name: `Cliente ${id}`,
      phones: [`+5511987650${id}`],
    }),
  );
  const invoices = ids.map((id) =>
    Invoice.parse({
      source: "erp",
      externalId: `I${id}`,
      number: `NF-${id}`,
      customerRef: `C${id}`,
      issueDate: "2026-02-01",
      dueDate: "2026-03-01",
      total: { amountMinor: 10_000, currency: "BRL" },
      openAmount: { amountMinor: 10_000, currency: "BRL" },
      status: "open",
    }),
  );
  await store.commitPage({ source: "erp", entity: "customers", customers, cursor: "1", at: NOW });
  await store.commitPage({ source: "erp", entity: "invoices", invoices, cursor: "1", at: NOW });
  const summary = await engineOn(store).plan();
  expect(summary.inserted).toBe(count);
  const keys = (await store.listActions({ status: ["planned"] })).map((a) => a.key);
  await store.close();
  return { file, keys };
}

function engineOn(store: ReguaStore, now = NOW) {
  return createEngine({
    store,
    connectors: new Map(),
    channels: new Map(),
    policy: PolicySchema.parse(POLICY),
    clock: new ManualClock(now),
    log: silentLogger,
    workerId: "parent",
  });
}

/** Runs one runner process to its end (or its death); resolves with how it ended. */
function runWorker(
  job: Record<string, unknown>,
  killWhen?: () => boolean,
): Promise<{ signal: string | null }> {
  const jobFile = join(dir, `job-${String(job.workerId)}.json`);
  const full = { coreUrl: CORE_URL, storeUrl: STORE_URL, policy: POLICY, leaseMs: LEASE_MS, ...job };
  writeFileSync(jobFile, JSON.stringify(full));
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [WORKER, jobFile], (error, _stdout, stderr) => {
      if (child.signalCode) resolve({ signal: child.signalCode });
      else if (error) reject(new Error(`${String(job.workerId)} failed: ${stderr || error.message}`));
      else resolve({ signal: null });
    });
    if (killWhen) {
      const poll = setInterval(() => {
        if (child.exitCode !== null || child.signalCode !== null) clearInterval(poll);
        else if (killWhen()) {
          clearInterval(poll);
          child.kill("SIGKILL");
        }
      }, 2);
    }
  });
}

function readSends(file: string): Sent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Sent);
}

async function statuses(file: string): Promise<Record<string, ActionStatus>> {
  const store = createSqliteStore({ file });
  const rows = await store.listActions({});
  await store.close();
  return Object.fromEntries(rows.map((row) => [row.key, row.status]));
}

const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

describe("engine on SQLite: a runner killed mid-dispatch", () => {
  it("dies right after the provider accepted a message; the restart never sends it again", async () => {
    const { file, keys } = await plannedStore("accepted-then-killed", 12);
    const sendsFile = join(dir, "accepted-then-killed.sends");
    const store = { sqlite: file };

    const first = await runWorker({ store, sendsFile, now: NOW, workerId: "w1", killAfterAccepted: 4 });
    expect(first.signal).toBe("SIGKILL");
    expect(readSends(sendsFile)).toHaveLength(4);
    const afterCrash = Object.values(await statuses(file));
    expect(afterCrash.filter((s) => s === "sending")).toHaveLength(1);

    // Restarted after the lease: the `sending` row becomes unknown and is not resent.
    await runWorker({ store, sendsFile, now: later(LEASE_MS + 1_000), workerId: "w2" });
    await runWorker({ store, sendsFile, now: later(LEASE_MS + 5_000), workerId: "w3" });
    const sends = readSends(sendsFile);
    expect(sends.map((s) => s.actionKey).sort()).toEqual([...keys].sort());
    const rows = await statuses(file);
    const unknown = Object.keys(rows).filter((key) => rows[key] === "unknown");
    expect(unknown).toHaveLength(1);
    expect(Object.values(rows).filter((s) => s === "sent")).toHaveLength(11);

    // The provider's status webhook carries the action key: the unknown row is reconciled.
    const lost = sends.find((s) => s.actionKey === unknown[0]) as Sent;
    const parentStore = createSqliteStore({ file });
    const summary = await engineOn(parentStore, later(LEASE_MS * 2)).handleChannelEvents("wa", [
      {
        kind: "status",
        eventId: "evt-1",
        providerMessageId: lost.providerMessageId,
        status: "delivered",
        at: later(LEASE_MS * 2),
        actionKey: lost.actionKey,
        recipient: null,
        error: null,
      },
    ]);
    expect(summary.applied).toBe(1);
    expect(await parentStore.getAction(lost.actionKey)).toMatchObject({
      status: "delivered",
      providerMessageId: lost.providerMessageId,
    });
    await parentStore.close();
  });

  it("is killed from outside at an arbitrary moment; after restarts every message went out at most once", async () => {
    const { file, keys } = await plannedStore("killed-from-outside", 30);
    const sendsFile = join(dir, "killed-from-outside.sends");
    const store = { sqlite: file };
    const first = await runWorker(
      { store, sendsFile, now: NOW, workerId: "k1", sendDelayMs: 5 },
      () => readSends(sendsFile).length >= 7,
    );
    expect(first.signal).toBe("SIGKILL");
    await runWorker({ store, sendsFile, now: later(LEASE_MS + 1_000), workerId: "k2" });
    const sent = readSends(sendsFile).map((s) => s.actionKey);
    expect(new Set(sent).size).toBe(sent.length);
    const rows = await statuses(file);
    // Every action was either sent once, or is `unknown` (accepted or not: never resent blindly).
    for (const key of keys) {
      const times = sent.filter((k) => k === key).length;
      if (rows[key] === "unknown") expect(times).toBeLessThanOrEqual(1);
      else expect([rows[key], times]).toEqual(["sent", 1]);
    }
  });
});
