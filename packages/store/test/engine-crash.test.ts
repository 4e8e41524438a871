// The engine on the real SQLite store across process deaths: a runner killed mid-dispatch and
// restarted never sends a message twice. Each runner is a separate node process on the built
// packages (packages/core/test/support/engine-worker.ts) whose channel appends every message
// the provider accepted to a file.
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ActionStatus, EventSummary } from "@regua/core";
import { afterAll, describe, expect, it } from "vitest";
import { createSqliteStore } from "../src/index.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LEASE_MS = 60_000;
const WORKER = fileURLToPath(new URL("../../core/test/support/engine-worker.ts", import.meta.url));
const URLS = {
  coreUrl: new URL("../../core/dist/index.js", import.meta.url).href,
  storeUrl: new URL("../dist/index.js", import.meta.url).href,
};
const dir = mkdtempSync(join(tmpdir(), "regua-engine-crash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Accepted {
  actionKey: string;
  providerMessageId: string;
}

let jobs = 0;
/** Runs one runner process to its end or its death; `killWhen` is polled to kill it from outside. */
function runner<T>(job: Record<string, unknown>, killWhen?: () => boolean) {
  const jobFile = join(dir, `job-${++jobs}.json`);
  writeFileSync(jobFile, JSON.stringify({ ...URLS, now: NOW, leaseMs: LEASE_MS, ...job }));
  return new Promise<{ signal: string | null; result: T | null }>((resolve, reject) => {
    const child = execFile(process.execPath, [WORKER, jobFile], (error, stdout, stderr) => {
      if (child.signalCode) resolve({ signal: child.signalCode, result: null });
      else if (error) reject(new Error(`runner failed: ${stderr || error.message}`));
      else resolve({ signal: null, result: JSON.parse(stdout) as T });
    });
    const poll = setInterval(() => {
      if (child.exitCode !== null || child.signalCode !== null) clearInterval(poll);
      else if (killWhen?.()) child.kill("SIGKILL");
    }, 2);
  });
}

function accepted(sendsFile: string): Accepted[] {
  if (!existsSync(sendsFile)) return [];
  const lines = readFileSync(sendsFile, "utf8").split("\n");
  return lines.filter((line) => line !== "").map((line) => JSON.parse(line) as Accepted);
}

async function statuses(file: string): Promise<Record<string, ActionStatus>> {
  const store = createSqliteStore({ file });
  const rows = await store.listActions({ limit: 10_000 });
  await store.close();
  return Object.fromEntries(rows.map((row) => [row.key, row.status]));
}

const later = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

async function planned(name: string, count: number) {
  const file = join(dir, `${name}.db`);
  const seeded = await runner<{ inserted: number; keys: string[] }>({
    mode: "seed",
    store: { sqlite: file },
    workerId: "seed",
    count,
  });
  expect(seeded.result?.inserted).toBe(count);
  const job = { mode: "dispatch", store: { sqlite: file }, sendsFile: join(dir, `${name}.sends`) };
  return { file, keys: seeded.result?.keys ?? [], job };
}

describe("engine on SQLite: a runner killed mid-dispatch", () => {
  it("dies right after the provider accepted a message; the restart never sends it again", async () => {
    const { file, keys, job } = await planned("accepted-then-killed", 12);
    // One send at a time, so exactly one is in flight when it dies (the next test runs several).
    const first = await runner({ ...job, workerId: "w1", killAfterAccepted: 4, sendConcurrency: 1 });
    expect(first.signal).toBe("SIGKILL");
    expect(accepted(job.sendsFile)).toHaveLength(4);
    expect(Object.values(await statuses(file)).filter((s) => s === "sending")).toHaveLength(1);

    // Restarted after the lease: the `sending` row becomes unknown and is not resent.
    const second = await runner<{ sent: number }>({
      ...job,
      workerId: "w2",
      now: later(LEASE_MS + 1_000),
      sendConcurrency: 1,
    });
    expect(second.result?.sent).toBe(8);
    await runner({ ...job, workerId: "w3", now: later(LEASE_MS + 9_000) });
    const sends = accepted(job.sendsFile);
    expect(sends.map((s) => s.actionKey).sort()).toEqual([...keys].sort());
    const rows = await statuses(file);
    const unknown = Object.keys(rows).filter((key) => rows[key] === "unknown");
    expect(unknown).toHaveLength(1);
    expect(Object.values(rows).filter((s) => s === "sent")).toHaveLength(11);

    // The provider's status webhook carries the action key: the unknown row is reconciled.
    const lost = sends.find((s) => s.actionKey === unknown[0]) as Accepted;
    const event = {
      kind: "status",
      eventId: "evt-1",
      providerMessageId: lost.providerMessageId,
      status: "delivered",
      at: later(2 * LEASE_MS),
      actionKey: lost.actionKey,
      recipient: null,
      error: null,
    };
    const reconciled = await runner<EventSummary>({
      mode: "event",
      store: { sqlite: file },
      workerId: "web",
      event,
    });
    expect(reconciled.result?.applied).toBe(1);
    const store = createSqliteStore({ file });
    expect(await store.getAction(lost.actionKey)).toMatchObject({
      status: "delivered",
      providerMessageId: lost.providerMessageId,
    });
    await store.close();
  });

  it("is killed from outside at any moment; after a restart each message went out at most once", async () => {
    const { file, keys, job } = await planned("killed-from-outside", 30);
    const first = await runner(
      { ...job, workerId: "k1", sendDelayMs: 5, sendConcurrency: 4 },
      () => accepted(job.sendsFile).length >= 7,
    );
    expect(first.signal).toBe("SIGKILL");
    await runner({ ...job, workerId: "k2", now: later(LEASE_MS + 1_000) });
    const sent = accepted(job.sendsFile).map((s) => s.actionKey);
    const rows = await statuses(file);
    // Every action went out once, or is `unknown` (accepted or not: never resent blindly).
    for (const key of keys) {
      const times = sent.filter((k) => k === key).length;
      if (rows[key] === "unknown") expect(times).toBeLessThanOrEqual(1);
      else expect([rows[key], times]).toEqual(["sent", 1]);
    }
    // At most the sends in flight when it died (4 at once).
    expect(Object.values(rows).filter((s) => s === "unknown").length).toBeLessThanOrEqual(4);
  });
});
