import type { Clock, DunningStore, Logger } from "@regua/core";
import { Cron } from "croner";
import { reportCharts } from "./charts.js";
import { buildReportData, periodsAt, type ReportData } from "./figures.js";
import { periodLine, reportEmailHtml } from "./html.js";
import type { ChartsKit } from "./load-charts.js";
import type { ReportSchedule, ReportsConfig } from "./schema.js";
import { reportTables, toCsv } from "./tables.js";

/** Shaped like the notifier's e-mail (apps/runner/src/notify): `cid` makes an attachment an inline image. */
export interface ReportEmail {
  /** Stable per schedule and period: a resend after a crash carries the same Message-ID. */
  id: string;
  subject: string;
  text: string;
  html: string;
  attachments: { filename: string; content: string | Buffer; contentType: string; cid?: string }[];
  to: readonly string[];
}

export interface ReportMailer {
  send(message: ReportEmail): Promise<{ ok: boolean; error?: string }>;
}

export interface ReportJobDeps {
  store: DunningStore;
  config: ReportsConfig;
  clock: Clock;
  log: Logger;
  mailer: ReportMailer;
  loadCharts: () => Promise<ChartsKit>;
  workerId: string;
  /** How long one runner may hold a (schedule, period) while it builds and sends. */
  leaseMs?: number;
}

export type ReportRunResult = "sent" | "already_sent" | "busy" | "failed";

export async function buildReportEmail(
  data: ReportData,
  schedule: ReportSchedule,
  kit: ChartsKit,
): Promise<ReportEmail> {
  const charts = reportCharts(data);
  const images = charts.map((spec) => ({
    filename: `${spec.id}.png`,
    content: kit.svgToPng(kit.renderChartSvg(spec)),
    contentType: "image/png",
    cid: `${spec.id}@regua`,
  }));
  const tables = reportTables(data);
  const csv = tables.map((t) => ({
    filename: `${t.id}.csv`,
    content: toCsv(t),
    contentType: "text/csv; charset=utf-8",
  }));
  const day = data.current.figures.period.from.slice(0, 10);
  return {
    id: `report:${schedule.id}:${day}`,
    subject: `régua ${data.kind === "day" ? "daily" : "weekly"} report: ${periodLine(data)}`,
    text: `${periodLine(data)}. The figures are in the HTML part and the attached CSV files (${csv.map((c) => c.filename).join(", ")}).`,
    html: reportEmailHtml(data, charts),
    attachments: [...images, ...csv],
    to: schedule.to,
  };
}

/**
 * One report, at most once per (schedule, period) across restarts and runners: the store's
 * lease (plugin state namespace "reports") lets one runner build and send it, and the "sent"
 * mark it leaves makes every later attempt a no-op. A crash between the SMTP 250 and the mark
 * sends it again with the same Message-ID (at least once, de-duplicable by the reader).
 */
export async function runReport(deps: ReportJobDeps, schedule: ReportSchedule): Promise<ReportRunResult> {
  const now = deps.clock.now().toISOString();
  const { current } = periodsAt(now, schedule.period);
  const key = `${schedule.id}/${current.from.slice(0, 10)}`;
  const state = deps.store.state("reports");
  if (!(await state.acquireLease(key, deps.workerId, deps.leaseMs ?? 10 * 60_000))) return "busy";
  try {
    if ((await state.get(key))?.startsWith("sent")) return "already_sent";
    const data = await buildReportData(deps.store, { now, kind: schedule.period, config: deps.config });
    const message = await buildReportEmail(data, schedule, await deps.loadCharts());
    const result = await deps.mailer.send(message);
    if (!result.ok) {
      deps.log.error({ report: schedule.id, period: key, err: result.error }, "report not delivered");
      return "failed";
    }
    await state.set(key, `sent ${deps.clock.now().toISOString()}`);
    deps.log.info({ report: schedule.id, period: key, to: schedule.to.length }, "report sent");
    return "sent";
  } finally {
    await state.releaseLease(key, deps.workerId);
  }
}

/** True when the schedule's first time after its period ended has passed (a runner that was down then catches up). */
export function isDue(schedule: ReportSchedule, now: Date): boolean {
  const periodEnd = new Date(periodsAt(now.toISOString(), schedule.period).current.to);
  const cron = new Cron(schedule.cron, { paused: true, timezone: "UTC" });
  try {
    const first = cron.nextRun(new Date(periodEnd.getTime() - 1));
    return first !== null && first.getTime() <= now.getTime();
  } finally {
    cron.stop();
  }
}

/**
 * The cron jobs for `reports.schedules`, and one every 15 minutes that sends any report due and
 * not sent yet (a runner that was down at the time, or an SMTP relay that refused): cheap when
 * there is nothing to do, since the "sent" mark is read first.
 */
export function scheduleReports(
  deps: ReportJobDeps,
  job: (name: string, fn: () => Promise<unknown>) => () => Promise<void>,
): Cron[] {
  const { schedules } = deps.config;
  if (schedules.length === 0) return [];
  const crons = schedules.map(
    (schedule) =>
      new Cron(
        schedule.cron,
        { protect: true, name: `report:${schedule.id}`, timezone: "UTC" },
        job(`report:${schedule.id}`, () => runReport(deps, schedule)),
      ),
  );
  const catchUp = job("report:catch-up", async () => {
    const due = schedules.filter((s) => isDue(s, deps.clock.now()));
    const results: ReportRunResult[] = [];
    for (const schedule of due) results.push(await runReport(deps, schedule));
    return results;
  });
  void catchUp();
  return [...crons, new Cron("*/15 * * * *", { protect: true, name: "report:catch-up" }, catchUp)];
}
