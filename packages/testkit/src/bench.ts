/**
 * Helpers for a connector's sync benchmark (`@regua/testkit/bench`): the fake ERP runs in a child
 * process, so the connector's CPU time is measured apart from the server's, and every figure is
 * printed as one line ending with its goal and a verdict (`… (goal ≤ 1.3×) ok` or `… MISSED`).
 *
 * Child (the fake's script):   await serveBenchFake(async () => ({ ready: { url }, close }))
 * Parent (the benchmark):      const fake = await forkBenchFake<{ url: string }>(new URL("./fake-server.ts", import.meta.url))
 *                              const run = await fake.measure(() => countPages(connector.listInvoices({})))
 */
import { type ChildProcess, fork } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";

/** CPU time (user + system) and peak RSS of a process, with whatever the fake adds (`stats`). */
export interface ProcessUsage {
  cpu: NodeJS.CpuUsage;
  maxRssKb: number;
  [extra: string]: unknown;
}

/** What a fake started for a benchmark hands back to serveBenchFake. */
export interface BenchFake {
  /** Sent to the benchmark once the fake listens (its URL, credentials, row counts…). */
  ready: Record<string, unknown>;
  close(): Promise<void>;
  /** Extra figures sent with each usage answer (requests served, 429s answered…). */
  stats?(): Record<string, unknown>;
}

type Message = { type: "ready" | "usage" | "close" } & Record<string, unknown>;

/** Child side: starts the fake, reports it ready, answers "usage" and stops on "close". */
export async function serveBenchFake(start: () => Promise<BenchFake>): Promise<void> {
  const send = (message: Message) => process.send?.(message);
  const started = performance.now();
  const fake = await start();
  send({ type: "ready", ...fake.ready, startMs: Math.round(performance.now() - started) });
  process.on("message", async (message: Message) => {
    if (message.type === "usage") {
      send({ type: "usage", ...usageOf(), ...fake.stats?.() });
    }
    if (message.type === "close") {
      await fake.close();
      process.exit(0);
    }
  });
}

const usageOf = (): ProcessUsage => ({ cpu: process.cpuUsage(), maxRssKb: process.resourceUsage().maxRSS });

/** Records, pages and rejected records read from one or more listings. */
export interface PageCounts {
  records: number;
  pages: number;
  rejects: number;
}

/** One measured run: its counts, wall time, this process's CPU and the fake's CPU over it. */
export interface MeasuredRun extends PageCounts {
  wallMs: number;
  cpuMs: number;
  serverCpuMs: number;
  /** The fake's usage answer at the end of the run (its stats included). */
  server: ProcessUsage;
}

export interface ForkedFake<Ready> {
  /** What the fake sent when it was ready, with `startMs`, its start-up time. */
  ready: Ready & { startMs: number };
  usage(): Promise<ProcessUsage>;
  /** Runs `work` and measures it (CPU of this process and of the fake, wall time). */
  measure(work: () => Promise<PageCounts>): Promise<MeasuredRun>;
  close(): void;
}

/** Parent side: forks the fake's script and waits until it is ready. */
export async function forkBenchFake<Ready extends object>(script: URL): Promise<ForkedFake<Ready>> {
  const child: ChildProcess = fork(fileURLToPath(script), { stdio: "inherit" });
  const waiting = new Map<string, { resolve: (message: Message) => void; reject: (error: Error) => void }>();
  const next = (type: Message["type"]) =>
    new Promise<Message>((resolve, reject) => waiting.set(type, { resolve, reject }));
  child.on("message", (message: Message) => {
    const waiter = waiting.get(message.type);
    waiting.delete(message.type);
    waiter?.resolve(message);
  });
  child.on("exit", (code) => {
    for (const [type, waiter] of waiting)
      waiter.reject(new Error(`the bench fake exited (${code}) before "${type}"`));
    waiting.clear();
  });
  const { type: _type, ...ready } = await next("ready");
  const usage = async (): Promise<ProcessUsage> => {
    const answer = next("usage");
    child.send({ type: "usage" });
    const { type: _usage, ...rest } = await answer;
    return rest as ProcessUsage;
  };
  return {
    ready: ready as Ready & { startMs: number },
    usage,
    async measure(work) {
      const before = await usage();
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      const counts = await work();
      const wallMs = performance.now() - started;
      const cpu = cpuMs(process.cpuUsage(cpuBefore));
      const server = await usage();
      return { ...counts, wallMs, cpuMs: cpu, serverCpuMs: cpuMs(server.cpu) - cpuMs(before.cpu), server };
    },
    close: () => child.send({ type: "close" }),
  };
}

/** Reads every page of the listings in turn and counts what they yielded. */
export async function countPages(
  ...listings: AsyncIterable<{ items: readonly unknown[]; rejects?: readonly unknown[] }>[]
): Promise<PageCounts> {
  const counts: PageCounts = { records: 0, pages: 0, rejects: 0 };
  for (const listing of listings) {
    for await (const page of listing) {
      counts.records += page.items.length;
      counts.rejects += page.rejects?.length ?? 0;
      counts.pages += 1;
    }
  }
  return counts;
}

export const cpuMs = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

/** The median of some figures (the middle one, or the mean of the two middle ones). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** `figure (goal …) ok` or `… MISSED`: one line per figure, what `pnpm bench` is read for. */
export function verdict(figure: string, goal: string, ok: boolean): void {
  console.log(`${figure} (goal ${goal}) ${ok ? "ok" : "MISSED"}`);
}

/** The machine's load while a benchmark ran, said beside its figures (2 shared cores skew them). */
export const loadNote = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`;

/**
 * The usual figures of a sync run, as verdict lines: every record read with no rejects (records/s
 * said beside it: the fake server's speed and the machine's load set it more than the connector
 * does), and the connector's CPU time per record against a budget (the fake server's CPU said
 * beside it). CPU time, not wall time, so a busy machine skews the figure less.
 */
export function syncVerdicts(
  label: string,
  run: MeasuredRun,
  goals: { records: number; cpuMicrosPerRecord: number },
): void {
  const perSecond = Math.round(run.records / (run.wallMs / 1000));
  verdict(
    `${label}: ${run.records} records in ${run.pages} pages, ${run.rejects} rejects, ${(run.wallMs / 1000).toFixed(1)} s wall, ${perSecond} records/s`,
    `all ${goals.records} records, 0 rejects`,
    run.records === goals.records && run.rejects === 0,
  );
  const micros = (run.cpuMs * 1000) / Math.max(1, run.records);
  verdict(
    `${label}: connector CPU ${(run.cpuMs / 1000).toFixed(2)} s = ${micros.toFixed(1)} µs/record ` +
      `(fake server ${(run.serverCpuMs / 1000).toFixed(2)} s), ${loadNote()}`,
    `≤ ${goals.cpuMicrosPerRecord} µs/record`,
    micros <= goals.cpuMicrosPerRecord,
  );
  if (run.records !== goals.records || run.rejects > 0) process.exitCode = 1;
}
