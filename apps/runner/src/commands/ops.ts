import type { SyncOptions } from "@regua/core";
import { SingleBar } from "cli-progress";
import { renderActions, renderSkips, skipReasons } from "../plan-format.js";
import { renderReportText, renderSyncSummary } from "../report.js";
import {
  CommandFailed,
  type GlobalOptions,
  type Io,
  type RuntimeOverrides,
  UsageError,
  withRuntime,
} from "./shared.js";

/** A progress bar per source+entity on a TTY; nothing otherwise (the JSON logs say it). */
function progressReporter(io: Io): { onProgress?: SyncOptions["onProgress"]; stop(): void } {
  if (!io.isTTY) return { stop() {} };
  let bar: SingleBar | null = null;
  let current = "";
  return {
    onProgress(p) {
      const label = `${p.source} ${p.entity}`;
      if (label !== current) {
        bar?.stop();
        current = label;
        // ERPs rarely say how many records changed, so a live counter rather than a bar.
        bar = new SingleBar({
          format: `${label.padEnd(24)} {value} records  {duration_formatted}`,
          hideCursor: true,
        });
        bar.start(0, p.records);
      }
      bar?.update(p.records);
    },
    stop: () => bar?.stop(),
  };
}

export async function syncCommand(
  global: GlobalOptions,
  options: { source?: string; full?: boolean },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      if (options.source && !rt.sources.some((s) => s.id === options.source)) {
        throw new UsageError(
          `no source with id ${options.source} in ${rt.config.file} (have: ${rt.sources.map((s) => s.id).join(", ")})`,
        );
      }
      const progress = progressReporter(io);
      try {
        const result = await rt.engine.sync({
          ...(options.source ? { source: options.source } : {}),
          full: options.full ?? false,
          signal: env.signal,
          ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
        });
        progress.stop();
        io.out(renderSyncSummary(result));
        if (result.errors > 0) throw new CommandFailed(`${result.errors} sync error(s); see the table above`);
      } finally {
        progress.stop();
      }
    },
    deps,
  );
}

/** How long `regua plan` waits while a runner plans. */
const PLAN_WAIT_MS = 2 * 60_000;

export async function planCommand(
  global: GlobalOptions,
  options: { dryRun: boolean; full?: boolean; limit: number },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      const summary = await rt.engine.plan({
        dryRun: options.dryRun,
        full: options.full === true,
        // Another runner planning: wait for it, then plan what it left.
        waitMs: PLAN_WAIT_MS,
        signal: env.signal,
      });
      if (summary.skipped.length > 0) {
        throw new CommandFailed(
          `another runner has been planning for ${PLAN_WAIT_MS / 60_000} minutes; nothing was planned here (try again later)`,
        );
      }
      const result = summary.result;
      io.out(
        `${options.dryRun ? "Would plan" : "Planned"} ${summary.actions} action(s) for ${summary.customers} customer(s)` +
          `${options.dryRun ? "" : ` (${summary.inserted} new)`}; skipped: ${skipReasons(result.skips)}`,
      );
      if (result.actions.length > 0) io.out(`\nActions\n${renderActions(result.actions, options.limit)}`);
      if (result.skips.length > 0) io.out(`\nSkips\n${renderSkips(result.skips, options.limit)}`);
      if (options.dryRun) io.out("\n(dry run: nothing was written)");
      if (summary.incremental) {
        io.out("\n(incremental: only customers changed since the last plan; --full plans everyone)");
      }
    },
    deps,
  );
}

export async function dispatchCommand(
  global: GlobalOptions,
  options: { limit?: number },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      await rt.recoverPredecessors();
      const d = await rt.engine.dispatch({
        signal: env.signal,
        ...(options.limit === undefined ? {} : { limit: options.limit }),
      });
      io.out(
        `claimed ${d.claimed}, sent ${d.sent}, recorded ${d.recorded}, skipped ${d.skipped}, failed ${d.failed}, ` +
          `retry later ${d.retried}, unknown ${d.unknown}, handed back ${d.released} ` +
          `(recovered leases: ${d.recovered.released} released, ${d.recovered.unknown} unknown; ` +
          `unknowns settled: ${d.reconciled.lookup} by lookup, ${d.reconciled.resent} resent, ${d.reconciled.held} held)` +
          (d.polled > 0
            ? `; ${d.polled} delivery status(es) read back from channels without a status webhook`
            : ""),
      );
    },
    deps,
  );
}

export async function writeBackCommand(global: GlobalOptions, io: Io, deps: RuntimeOverrides = {}) {
  await withRuntime(
    global,
    io,
    async (rt) => {
      await rt.recoverPredecessors();
      const w = await rt.engine.writeBack();
      io.out(`claimed ${w.claimed}, written ${w.written}, failed (will retry) ${w.failed}, dead ${w.dead}`);
    },
    deps,
  );
}

export async function reportCommand(
  global: GlobalOptions,
  options: { json: boolean },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt) => {
      const report = await rt.store.report(rt.clock.now().toISOString());
      io.out(options.json ? JSON.stringify(report, null, 2) : renderReportText(report));
    },
    deps,
  );
}
