// `pnpm chaos`: the crash experiments of issue 18, with the real CLI. Separate `sync`, `plan`,
// `dispatch`, `write-back` and `serve` processes run against the fake ERP and the fake Graph
// API; the runners are killed (SIGKILL), stopped (SIGTERM) or starved (5 ms send timeout), and
// the fakes count what really arrived, by action key. Each experiment prints one line:
//   chaos <name>: N planned, N received, 0 duplicates, 0 lost, 0 wrongly failed, 0 activities missing
// Usage: pnpm chaos [--short] [--only <name>]   (runs on the built packages: pnpm build first)
// Plain `node` runs this file (Node strips the erasable types). The full run takes minutes and is
// not part of .ci/run; `--short` is (one check in its total).
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { restErpPreset } from "@regua/connector-rest";
import { createStore } from "@regua/store";
import { type FakeRestErp, startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { type FakeGraphApi, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { stringify } from "yaml";
// The store tests' throw-away PostgreSQL (or REGUA_TEST_PG_URL), and their free-port helper.
import { freePort, startTestPostgres } from "../../../packages/store/test/support/postgres-server.ts";

const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const ERP_TOKEN = "chaos-erp-token";
const GRAPH_TOKEN = "chaos-graph-token";
const APP_SECRET = "chaos-app-secret";
const PHONE_NUMBER_ID = "1098765432";
const SECRET_KEY = "chaos-secret-key-not-for-production";

export type ExperimentName = "sigkill-sqlite" | "sigkill-postgres" | "sigterm" | "send-timeout-5ms";

interface Experiment {
  name: ExperimentName;
  store: "sqlite" | "postgres";
  runners: 1 | 2;
  fault: "SIGKILL" | "SIGTERM" | null;
  sendTimeoutMs?: number;
}

export const EXPERIMENTS: readonly Experiment[] = [
  { name: "sigkill-sqlite", store: "sqlite", runners: 1, fault: "SIGKILL" },
  { name: "sigkill-postgres", store: "postgres", runners: 2, fault: "SIGKILL" },
  { name: "sigterm", store: "sqlite", runners: 1, fault: "SIGTERM" },
  { name: "send-timeout-5ms", store: "sqlite", runners: 1, fault: null, sendTimeoutMs: 5 },
];

export interface ChaosSize {
  customers: number;
  /** Faults injected (kills or stops) per experiment. */
  faults: number;
  /** Give up converging after this long. */
  drainMs: number;
}
export const SHORT: ChaosSize = { customers: 30, faults: 3, drainMs: 120_000 };
export const LONG: ChaosSize = { customers: 1_500, faults: 20, drainMs: 600_000 };

export interface ChaosResult {
  name: ExperimentName;
  planned: number;
  received: number;
  /** Extra messages: a key received three times counts 2. */
  duplicates: number;
  lost: number;
  wronglyFailed: number;
  activitiesMissing: number;
  /** Faults injected, and stopped processes that did not exit 0 after a handled SIGTERM. */
  faults: number;
  badExits: number;
  /** Unknown sends and how they were settled (from the store's report). */
  unknowns: { resolution: string; count: number }[];
  converged: boolean;
}

export function formatResult(r: ChaosResult): string {
  return (
    `chaos ${r.name}: ${r.planned} planned, ${r.received} received, ${r.duplicates} duplicates, ` +
    `${r.lost} lost, ${r.wronglyFailed} wrongly failed, ${r.activitiesMissing} activities missing`
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every hour of every day, UTC, no caps: the experiment is about delivery, not the calendar. */
const POLICY = stringify({
  timezone: "UTC",
  window: Object.fromEntries(
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((d) => [d, "00:00-24:00"]),
  ),
  holidays: null,
  caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
  grouping: "invoice",
  steps: [
    {
      id: "lembrete",
      offsetDays: 1,
      channel: "wa",
      template: { name: "chaos_lembrete", language: "pt_BR" },
      variables: {
        "1": "customer.firstName",
        "2": "invoice.number",
        "3": "invoice.openAmount",
        "4": "invoice.dueDate",
      },
    },
  ],
});

interface World {
  dir: string;
  erp: FakeRestErp;
  graph: FakeGraphApi;
  storeConfig: { sqlite: string } | { postgres: string };
  configs: string[];
  stop(): Promise<void>;
}

async function startWorld(exp: Experiment, size: ChaosSize, seed: number): Promise<World> {
  const dir = mkdtempSync(path.join(tmpdir(), `regua-chaos-${exp.name}-`));
  const today = new Date().toISOString().slice(0, 10);
  const erp = await startFakeRestErp({ seed, customers: size.customers, today, token: ERP_TOKEN });
  const port = await freePort();
  const jitter = () => Math.random() * 12;
  const graph = await startFakeGraphApi({
    token: GRAPH_TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    webhookUrl: `http://127.0.0.1:${port}/webhooks/whatsapp/wa`,
    ratePerSecond: 1_000,
    clockSpeed: 20,
    templates: [
      {
        name: "chaos_lembrete",
        language: "pt_BR",
        category: "UTILITY",
        body: "Olá {{1}}, a fatura {{2}} de {{3}} venceu em {{4}}.",
      },
    ],
    seed,
    ...(exp.sendTimeoutMs ? { answerLatencyMs: jitter } : {}),
  });
  const pg = exp.store === "postgres" ? await startTestPostgres() : null;
  const storeConfig = pg ? { postgres: await pg.createDatabase() } : { sqlite: path.join(dir, "regua.db") };
  writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  const configs = ["a", "b"].slice(0, exp.runners).map((runner) => {
    const file = path.join(dir, `regua-${runner}.yaml`);
    writeFileSync(file, runnerConfig(exp, storeConfig, runner, port, erp.url, graph.url));
    return file;
  });
  return {
    dir,
    erp,
    graph,
    storeConfig,
    configs,
    async stop() {
      await Promise.allSettled([erp.close(), graph.close()]);
      await pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function runnerConfig(
  exp: Experiment,
  store: World["storeConfig"],
  runner: string,
  port: number,
  erpUrl: string,
  graphUrl: string,
): string {
  return stringify({
    instanceId: `chaos-${runner}`,
    store,
    secretKey: SECRET_KEY,
    sources: [{ id: "erp", connector: "@regua/connector-rest", options: restErpPreset(erpUrl, ERP_TOKEN) }],
    channels: [
      {
        id: "wa",
        channel: "@regua/channel-whatsapp",
        options: {
          phoneNumberId: PHONE_NUMBER_ID,
          token: GRAPH_TOKEN,
          appSecret: APP_SECRET,
          verifyToken: "chaos-verify",
          baseUrl: graphUrl,
          ...(exp.sendTimeoutMs ? { timeoutMs: exp.sendTimeoutMs } : {}),
        },
      },
    ],
    policy: "./policy.yaml",
    server: { port, host: "127.0.0.1", adminToken: "chaos-admin-token-0123456789" },
    // A quiet period of seconds rather than 15 minutes so the experiment settles quickly, still
    // well above the fake's status delay on a loaded machine. The lease only matters for a
    // crashed runner's claims, which its restart recovers at once (same instance id).
    delivery: { leaseMs: 30_000, unknownQuietMs: 20_000, onUnknown: "resend", shutdownGraceMs: 5_000 },
    log: { level: "warn" },
  });
}

interface Proc {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: () => string;
}

/** Every CLI process still running; none outlives this script (a timed-out test included). */
const children = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of children) child.kill("SIGKILL");
});

function cli(config: string, args: string[]): Proc {
  const child = spawn(process.execPath, [CLI, "--config", config, ...args], {
    cwd: path.dirname(config),
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

async function cliToEnd(config: string, args: string[]): Promise<string> {
  const proc = cli(config, args);
  const { code } = await proc.exited;
  if (code !== 0) throw new Error(`regua ${args.join(" ")} exited ${code}: ${proc.output()}`);
  return proc.output();
}

async function startServe(config: string): Promise<Proc> {
  const proc = cli(config, ["serve"]);
  const deadline = Date.now() + 120_000;
  while (!/regua serving on/.test(proc.output())) {
    if (proc.child.exitCode !== null || Date.now() > deadline)
      throw new Error(`serve did not start: ${proc.output()}`);
    await sleep(50);
  }
  return proc;
}

/**
 * Dispatch and write-back processes run side by side for each runner; one of them at a time is
 * hit by the fault a random moment after it started, then replaced. Returns how many stopped
 * processes did not exit 0 although their SIGTERM was handled (a SIGTERM that lands before the
 * CLI set its handlers ends the process like a kill, which is the crash path).
 */
async function injectFaults(exp: Experiment, world: World, size: ChaosSize): Promise<number> {
  const { fault } = exp;
  if (fault === null) return 0;
  let badExits = 0;
  const running = new Map<string, Proc>();
  const ensure = () => {
    for (const config of world.configs) {
      for (const job of ["dispatch", "write-back"]) {
        const id = `${config} ${job}`;
        const current = running.get(id);
        if (!current || current.child.exitCode !== null || current.child.signalCode !== null)
          running.set(id, cli(config, [job]));
      }
    }
  };
  for (let i = 0; i < size.faults; i++) {
    ensure();
    // SIGTERM a little later on average: most land after the CLI installed its handlers.
    await sleep((fault === "SIGTERM" ? 500 : 150) + Math.random() * 900);
    const victims = [...running.values()].filter((p) => p.child.exitCode === null);
    const dispatches = victims.filter((p) => p.child.spawnargs.includes("dispatch"));
    const pool = Math.random() < 0.75 && dispatches.length > 0 ? dispatches : victims;
    const victim = pool[Math.floor(Math.random() * pool.length)];
    if (!victim) continue;
    victim.child.kill(fault);
    const exit = await victim.exited;
    if (fault === "SIGTERM" && exit.signal === null && exit.code !== 0) {
      badExits += 1;
      process.stderr.write(`chaos ${exp.name}: a stopped process exited ${exit.code}: ${victim.output()}\n`);
    }
  }
  await Promise.all([...running.values()].map((p) => p.exited));
  return badExits;
}

/** The message actions due when the experiment starts: what the customers are owed now. */
async function dueMessages(world: World): Promise<Set<string>> {
  const store = createStore(world.storeConfig, { secretKey: SECRET_KEY });
  try {
    const now = new Date().toISOString();
    const planned = await store.listActions({ status: ["planned"], limit: 1_000_000 });
    return new Set(
      planned
        .filter((a) => (a.kind === "message" || a.kind === "lifecycle") && a.dueAt <= now)
        .map((a) => a.key),
    );
  } finally {
    await store.close();
  }
}

const UNSETTLED = new Set(["planned", "claimed", "sending"]);

/** Dispatch and write-back until every owed action is settled and written back (or time runs out). */
async function drain(world: World, owed: Set<string>, size: ChaosSize): Promise<boolean> {
  const deadline = Date.now() + size.drainMs;
  const store = createStore(world.storeConfig, { secretKey: SECRET_KEY });
  try {
    while (Date.now() < deadline) {
      await Promise.all(world.configs.map((config) => cliToEnd(config, ["dispatch"])));
      await world.graph.idle();
      await cliToEnd(world.configs[0] ?? "", ["write-back"]);
      const actions = (await store.listActions({ limit: 1_000_000 })).filter((a) => owed.has(a.key));
      const open = actions.filter(
        (a) => UNSETTLED.has(a.status) || (a.status === "unknown" && a.reconciled !== "held"),
      );
      const report = await store.report(new Date().toISOString());
      const unwritten = report.activitiesByStatus
        .filter((row) => row.status === "pending" || row.status === "claimed")
        .reduce((n, row) => n + row.count, 0);
      if (open.length === 0 && unwritten === 0) return true;
      await sleep(500);
    }
    return false;
  } finally {
    await store.close();
  }
}

async function count(
  exp: Experiment,
  world: World,
  due: Set<string>,
  badExits: number,
  converged: boolean,
): Promise<ChaosResult> {
  const store = createStore(world.storeConfig, { secretKey: SECRET_KEY });
  try {
    const actions = (await store.listActions({ limit: 1_000_000 })).filter((a) => due.has(a.key));
    const received = new Map<string, number>();
    for (const message of world.graph.sent) {
      if (message.actionKey) received.set(message.actionKey, (received.get(message.actionKey) ?? 0) + 1);
    }
    const written = new Set(world.erp.data.activities.map((a) => a.idempotency_key));
    // Skipped on purpose (no phone, opted out, paid since the plan) is not a message owed.
    const owed = actions.filter((a) => a.status !== "skipped");
    const skipped = actions.length - owed.length;
    if (skipped > 0) process.stderr.write(`chaos ${exp.name}: ${skipped} action(s) skipped on purpose\n`);
    if (!converged) {
      const byStatus = new Map<string, number>();
      for (const a of owed) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
      const stuck = owed.find((a) => a.status !== "read" && a.status !== "delivered" && a.status !== "sent");
      process.stderr.write(
        `chaos ${exp.name}: did not settle: ${JSON.stringify([...byStatus])}; e.g. ${JSON.stringify(stuck && { key: stuck.key, status: stuck.status, dueAt: stuck.dueAt, attempts: stuck.attempts, reason: stuck.statusReason, claimedBy: stuck.claimedBy })}\n`,
      );
    }
    const failed = owed.find((a) => a.status === "failed");
    if (failed)
      process.stderr.write(`chaos ${exp.name}: e.g. ${failed.key} failed: ${failed.statusReason}\n`);
    const report = await store.report(new Date().toISOString());
    return {
      name: exp.name,
      planned: owed.length,
      received: owed.filter((a) => received.has(a.key)).length,
      duplicates: [...received.values()].reduce((n, times) => n + times - 1, 0),
      lost: owed.filter((a) => a.status !== "failed" && !received.has(a.key)).length,
      wronglyFailed: owed.filter((a) => a.status === "failed").length,
      activitiesMissing: owed.filter((a) => received.has(a.key) && !written.has(`${a.key}:message_sent`))
        .length,
      faults: 0,
      badExits,
      unknowns: report.unknowns,
      converged,
    };
  } finally {
    await store.close();
  }
}

export async function runExperiment(exp: Experiment, size: ChaosSize, seed = 7): Promise<ChaosResult> {
  const world = await startWorld(exp, size, seed);
  let serve: Proc | undefined;
  try {
    const [first] = world.configs;
    if (!first) throw new Error("no runner config");
    await cliToEnd(first, ["sync"]);
    await cliToEnd(first, ["plan"]);
    const due = await dueMessages(world);
    serve = await startServe(first);
    const badExits = await injectFaults(exp, world, size);
    const converged = await drain(world, due, size);
    const result = await count(exp, world, due, badExits, converged);
    return { ...result, faults: exp.fault === null ? 0 : size.faults };
  } finally {
    serve?.child.kill("SIGTERM");
    await serve?.exited;
    await world.stop();
  }
}

export async function runChaos(options: { short: boolean; only?: string }): Promise<ChaosResult[]> {
  const size = options.short ? SHORT : LONG;
  const results: ChaosResult[] = [];
  for (const exp of EXPERIMENTS) {
    if (options.only && exp.name !== options.only) continue;
    const result = await runExperiment(exp, size);
    process.stdout.write(`${formatResult(result)}\n`);
    const unknowns = result.unknowns.map((u) => `${u.count} ${u.resolution}`).join(", ") || "none";
    process.stderr.write(
      `  (${result.faults} faults, ${result.badExits} bad exits, unknown sends: ${unknowns}${result.converged ? "" : ", DID NOT SETTLE"})\n`,
    );
    results.push(result);
  }
  return results;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  const onlyAt = args.indexOf("--only");
  const results = await runChaos({
    short: args.includes("--short"),
    ...(onlyAt >= 0 && args[onlyAt + 1] ? { only: args[onlyAt + 1] } : {}),
  });
  const bad = results.filter(
    (r) => r.duplicates + r.lost + r.wronglyFailed + r.activitiesMissing + r.badExits > 0 || !r.converged,
  );
  process.exit(bad.length === 0 ? 0 : 1);
}
