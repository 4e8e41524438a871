// Planning benchmark: the engine's plan (snapshots streamed from the store → pure plan() per
// batch → insertActions) over ~1M unpaid invoices / 200k customers, then an incremental re-plan
// after 1 % of the invoices changed (paid), and a full one for comparison. Goals: the full plan
// ≤ 10 s and ≤ 1 GB RSS; the incremental re-plan ≤ 10 % of the full plan's time.
// SQLite works on a copy of the cached snapshot database (see snapshots.ts); BENCH_STORE=postgres
// copies that database into an embedded PostgreSQL first (minutes; BENCH_PG_DIR keeps it between
// runs and adds the server's CPU time to each line, see postgres.ts). Each line ends with the load
// average: on a shared machine a wall-clock figure means little without it.
// Run: pnpm --filter @regua/store bench
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  createEngine,
  type Invoice,
  ManualClock,
  parsePolicy,
  SAMPLE_POLICY_YAML,
  silentLogger,
} from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { currentRssMb, peakRssMb, SOURCE, TODAY } from "./dataset.ts";
import { copyIntoPostgres } from "./postgres.ts";
import { BENCH_DB, ensureDatabase } from "./snapshots.ts";
import { type Timed, timedStore, verdict } from "./timing.ts";

if (process.argv.includes("--migrate-cache")) {
  const cached = createSqliteStore({ file: BENCH_DB });
  await cached.migrate();
  await cached.close();
  process.exit(0);
}

const GOAL_SECONDS = 10;
const GOAL_RSS_MB = 1024;
const GOAL_REPLAN_SHARE = 0.1;
const STORE = process.env.BENCH_STORE === "postgres" ? "postgres" : "sqlite";
const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
// 10:00 in São Paulo on a Tuesday: inside the sample policy's send window.
const now = new Date(`${TODAY}T13:00:00.000Z`);

/** The server's CPU seconds so far, when the bench can see them (a kept embedded PostgreSQL). */
let serverCpu: () => number | null = () => null;

async function planPass(timed: Timed, full: boolean) {
  timed.reset();
  const engine = createEngine({
    store: timed.store,
    connectors: new Map(),
    channels: new Map(),
    policy,
    clock: new ManualClock(now),
    log: silentLogger,
    workerId: "bench",
  });
  const cpuBefore = process.cpuUsage();
  const serverBefore = serverCpu();
  const started = performance.now();
  let maxRss = currentRssMb();
  const sampler = setInterval(() => {
    maxRss = Math.max(maxRss, currentRssMb());
  }, 100);
  const summary = await engine.plan({ collect: false, full });
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const serverAfter = serverCpu();
  return {
    ...summary,
    seconds,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    serverCpuSeconds: serverBefore === null || serverAfter === null ? null : serverAfter - serverBefore,
    maxRss: Math.max(maxRss, currentRssMb()),
    readSeconds: timed.readSeconds,
    insertSeconds: timed.insertSeconds,
    planSeconds: seconds - timed.readSeconds - timed.insertSeconds,
  };
}

type Pass = Awaited<ReturnType<typeof planPass>>;

function describe(name: string, r: Pass): void {
  console.log(
    `  ${name}: ${r.customers} customers → ${r.actions} actions (${r.inserted} new), ${r.skips} skips; ` +
      `${r.seconds.toFixed(2)} s wall, CPU ${r.cpuSeconds.toFixed(2)} s` +
      `${r.serverCpuSeconds === null ? "" : ` (server ${r.serverCpuSeconds.toFixed(2)} s)`} ` +
      `[read ${r.readSeconds.toFixed(2)} s, plan() ${r.planSeconds.toFixed(2)} s, insert ${r.insertSeconds.toFixed(2)} s]; ` +
      `max RSS ${r.maxRss} MB${r.incremental ? " (incremental)" : ""}; load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" ")}`,
  );
}

/** Marks every 100th invoice paid, through commitPage as a sync would. */
async function changeOnePercent(store: ReguaStore): Promise<number> {
  const changed: Invoice[] = [];
  for (let id = 1; ; id += 100) {
    const invoice = await store.getInvoice(SOURCE, String(id));
    if (!invoice) break;
    changed.push({ ...invoice, status: "paid", openAmount: { ...invoice.openAmount, amountMinor: 0 } });
  }
  for (let i = 0; i < changed.length; i += 1_000) {
    await store.commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: changed.slice(i, i + 1_000),
      cursor: `changed-${i}`,
      at: now.toISOString(),
    });
  }
  return changed.length;
}

await ensureDatabase(BENCH_DB);
// The cached database may predate a migration: migrate it in place once (a no-op when up to
// date), so each run copies an up-to-date book. In a child process: a migration that rebuilds
// an index over 1M invoices sorts in memory, and this process's peak RSS is a measured figure.
execFileSync(process.execPath, [fileURLToPath(import.meta.url), "--migrate-cache"], { stdio: "inherit" });
const dir = mkdtempSync(join(tmpdir(), "regua-bench-plan-"));
const file = join(dir, "plan.db");
copyFileSync(BENCH_DB, file);
const sqlite = createSqliteStore({ file });
const pg = STORE === "postgres" ? await copyIntoPostgres(file) : null;
const store = pg?.store ?? sqlite;
if (pg) serverCpu = pg.serverCpuSeconds;
try {
  const timed = timedStore(store);
  const first = await planPass(timed, true);
  describe("full plan", first);
  const changed = await changeOnePercent(store);
  console.log(`  changed ${changed} invoices (1 %) to paid`);
  const incremental = await planPass(timed, false);
  describe("re-plan", incremental);
  const full = await planPass(timed, true);
  describe("re-plan --full", full);
  console.log(`  process peak RSS: ${peakRssMb()} MB`);
  const n = `${(first.customers / 1000).toFixed(0)}k customers`;
  verdict(
    `plan 1M ${STORE}: ${first.seconds.toFixed(1)} s (CPU ${first.cpuSeconds.toFixed(1)} s), ${first.maxRss} MB RSS, ${n}`,
    `≤ ${GOAL_SECONDS} s, ≤ 1 GB`,
    first.seconds <= GOAL_SECONDS && first.maxRss <= GOAL_RSS_MB,
  );
  const share = incremental.seconds / first.seconds;
  verdict(
    `re-plan after 1 % changed ${STORE}: ${incremental.seconds.toFixed(2)} s = ${(share * 100).toFixed(1)} % of the full plan, ` +
      `a --full plan after it adds ${full.inserted} actions`,
    `≤ ${GOAL_REPLAN_SHARE * 100} %, --full adds 0`,
    share <= GOAL_REPLAN_SHARE && full.inserted === 0,
  );
} finally {
  await sqlite.close();
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
}
