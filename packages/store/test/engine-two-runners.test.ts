// Two runner processes dispatching from one PostgreSQL store at once: claims take FOR UPDATE
// SKIP LOCKED, so each due message goes out exactly once and both runners share the work.
// Runners are node processes on the built packages (packages/core/test/support/engine-worker.ts).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresStore } from "../src/index.js";
import { startTestPostgres, type TestPostgres } from "./support/postgres-server.js";

const WORKER = fileURLToPath(new URL("../../core/test/support/engine-worker.ts", import.meta.url));
const URLS = {
  coreUrl: new URL("../../core/dist/index.js", import.meta.url).href,
  storeUrl: new URL("../dist/index.js", import.meta.url).href,
};
const dir = mkdtempSync(join(tmpdir(), "regua-engine-runners-"));
let server: TestPostgres;

beforeAll(async () => {
  server = await startTestPostgres();
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function runner<T>(name: string, job: Record<string, unknown>): Promise<T> {
  const jobFile = join(dir, `${name}.json`);
  writeFileSync(
    jobFile,
    JSON.stringify({ ...URLS, now: "2026-03-10T12:00:00.000Z", workerId: name, ...job }),
  );
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [WORKER, jobFile], (error, stdout, stderr) => {
      if (error) reject(new Error(`${name} failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

describe("engine on PostgreSQL: two runners at once", () => {
  it("send each due message exactly once between them", async () => {
    const url = await server.createDatabase();
    const store = { postgres: url };
    const seeded = await runner<{ keys: string[] }>("seed", { mode: "seed", store, count: 80 });
    expect(seeded.keys).toHaveLength(80);

    const sendsFile = join(dir, "two-runners.sends");
    // Both start dispatching together (a process started under load could otherwise find the
    // other one done), two sends at a time each, so the 80 take both of them a while.
    const barrier = { dir, names: ["runner-a", "runner-b"] };
    const job = {
      mode: "dispatch",
      store,
      sendsFile,
      sendDelayMs: 10,
      claimBatch: 3,
      sendConcurrency: 2,
      barrier,
    };
    const [a, b] = await Promise.all([
      runner<{ sent: number }>("runner-a", job),
      runner<{ sent: number }>("runner-b", job),
    ]);
    const lines = readFileSync(sendsFile, "utf8").split("\n").filter(Boolean);
    const sent = lines.map((line) => (JSON.parse(line) as { actionKey: string }).actionKey);
    expect(sent.sort()).toEqual([...seeded.keys].sort());
    expect(a.sent + b.sent).toBe(80);
    expect(a.sent).toBeGreaterThan(0);
    expect(b.sent).toBeGreaterThan(0);

    const check = createPostgresStore({ connectionString: url, poolSize: 1 });
    const rows = await check.listActions({ limit: 1_000 });
    expect(new Set(rows.map((row) => row.status))).toEqual(new Set(["sent"]));
    await check.close();
  });
});
