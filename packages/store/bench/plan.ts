// Planning benchmark: the engine's plan step (snapshots streamed from SQLite → pure plan() per
// batch → insertActions) over ~1M unpaid invoices / 200k customers, then a re-plan after 1% of the
// invoices changed (paid). Goals: ≤ 10 s and ≤ 1 GB RSS for the full plan.
// Works on a copy of the cached snapshot database (see snapshots.ts). Run: pnpm --filter @regua/store bench
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Invoice, parsePolicy, plan, SAMPLE_POLICY_YAML } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { currentRssMb, peakRssMb, SOURCE, TODAY } from "./dataset.ts";
import { BENCH_DB, ensureDatabase } from "./snapshots.ts";

const GOAL_SECONDS = 10;
const GOAL_RSS_MB = 1024;
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
// 10:00 in São Paulo on a Tuesday: inside the sample policy's send window.
const now = new Date(`${TODAY}T13:00:00.000Z`);

interface PassResult {
  customers: number;
  invoices: number;
  actions: number;
  skips: number;
  inserted: number;
  seconds: number;
  planSeconds: number;
  insertSeconds: number;
  cpuSeconds: number;
  maxRss: number;
}

async function planPass(store: ReguaStore): Promise<PassResult> {
  const result: PassResult = {
    customers: 0,
    invoices: 0,
    actions: 0,
    skips: 0,
    inserted: 0,
    seconds: 0,
    planSeconds: 0,
    insertSeconds: 0,
    cpuSeconds: 0,
    maxRss: currentRssMb(),
  };
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  for await (const batch of store.snapshots({ batchSize: BATCH, now: now.toISOString() })) {
    const planStarted = performance.now();
    const planned = plan(policy, batch, now);
    result.planSeconds += (performance.now() - planStarted) / 1000;
    result.customers += batch.length;
    for (const snapshot of batch) result.invoices += snapshot.invoices.length;
    result.actions += planned.actions.length;
    result.skips += planned.skips.length;
    const insertStarted = performance.now();
    result.inserted += await store.insertActions(planned.actions, now.toISOString());
    result.insertSeconds += (performance.now() - insertStarted) / 1000;
    result.maxRss = Math.max(result.maxRss, currentRssMb());
  }
  result.seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return result;
}

function describe(name: string, r: PassResult): void {
  console.log(
    `${name}: ${r.customers} customers / ${r.invoices} unpaid invoices → ${r.actions} actions ` +
      `(${r.inserted} new), ${r.skips} skips in ${r.seconds.toFixed(2)} s wall, CPU ${r.cpuSeconds.toFixed(2)} s ` +
      `[plan() ${r.planSeconds.toFixed(2)} s, insertActions ${r.insertSeconds.toFixed(2)} s, ` +
      `reading snapshots ${(r.seconds - r.planSeconds - r.insertSeconds).toFixed(2)} s]; max RSS ${r.maxRss} MB`,
  );
}

/** One summary line per goal: figure, goal, ratio, met or missed. */
function goal(name: string, figure: number, limit: number, unit: string): void {
  const shown = unit === "s" ? figure.toFixed(2) : String(Math.round(figure));
  console.log(
    `GOAL ${name}: ${shown} ${unit} (goal ≤ ${limit} ${unit}) = ${(figure / limit).toFixed(2)}× → ` +
      (figure <= limit ? "MET" : "MISSED"),
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
const dir = mkdtempSync(join(tmpdir(), "regua-bench-plan-"));
const file = join(dir, "plan.db");
copyFileSync(BENCH_DB, file);
const store = createSqliteStore({ file });
// The cached database may predate a migration (e.g. 0002_actions_rowid); an up-to-date one is a no-op.
await store.migrate();
try {
  const first = await planPass(store);
  describe("plan", first);
  const changed = await changeOnePercent(store);
  console.log(`changed ${changed} invoices (1%) to paid`);
  const second = await planPass(store);
  describe("re-plan", second);
  console.log(`  re-plan / plan time ratio: ${(second.seconds / first.seconds).toFixed(2)}`);
  console.log(`process peak RSS: ${peakRssMb()} MB`);
  goal("full plan time", first.seconds, GOAL_SECONDS, "s");
  goal("full plan max RSS", first.maxRss, GOAL_RSS_MB, "MB");
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
