import { SingleBar } from "cli-progress";
import type { SyncProgress } from "../engine-port.js";
import { renderActions, renderSkips, skipReasons } from "../plan-format.js";
import { renderReportText } from "../report.js";
import { type GlobalOptions, type Io, summarize, withRuntime } from "./shared.js";

/** A progress bar per source+entity on a TTY; nothing otherwise (the JSON logs say it). */
function progressReporter(io: Io): { onProgress?: (p: SyncProgress) => void; stop(): void } {
  if (!io.isTTY) return { stop() {} };
  let bar: SingleBar | null = null;
  let current = "";
  return {
    onProgress(p) {
      const label = `${p.source} ${p.entity}`;
      if (label !== current) {
        bar?.stop();
        current = label;
        bar = new SingleBar({
          format: `${label.padEnd(24)} {bar} {value}${p.total === undefined ? "" : "/{total}"} records`,
          hideCursor: true,
        });
        bar.start(p.total ?? p.records, p.records);
      }
      if (p.total === undefined && bar) bar.setTotal(Math.max(p.records, 1));
      bar?.update(p.records);
    },
    stop: () => bar?.stop(),
  };
}

export async function syncCommand(
  global: GlobalOptions,
  options: { source?: string; full?: boolean },
  io: Io,
) {
  await withRuntime(global, io, async (rt) => {
    if (options.source && !rt.sources.some((s) => s.id === options.source)) {
      throw new Error(
        `no source with id ${options.source} in ${rt.config.file} (have: ${rt.sources.map((s) => s.id).join(", ")})`,
      );
    }
    const progress = progressReporter(io);
    try {
      const result = await rt.engine.sync({
        ...(options.source ? { source: options.source } : {}),
        full: options.full ?? false,
        ...(progress.onProgress ? { onProgress: progress.onProgress } : {}),
      });
      progress.stop();
      io.out(summarize(result));
    } finally {
      progress.stop();
    }
  });
}

export async function planCommand(
  global: GlobalOptions,
  options: { dryRun: boolean; limit: number },
  io: Io,
) {
  await withRuntime(global, io, async (rt) => {
    const result = await rt.engine.plan({ dryRun: options.dryRun });
    io.out(
      `${options.dryRun ? "Would plan" : "Planned"} ${result.actions.length} action(s); skipped: ${skipReasons(result.skips)}`,
    );
    if (result.actions.length > 0) io.out(`\nActions\n${renderActions(result.actions, options.limit)}`);
    if (result.skips.length > 0) io.out(`\nSkips\n${renderSkips(result.skips, options.limit)}`);
    if (options.dryRun) io.out("\n(dry run: nothing was written)");
  });
}

export async function dispatchCommand(global: GlobalOptions, options: { limit?: number }, io: Io) {
  await withRuntime(global, io, async (rt) => {
    await rt.engine.recover();
    io.out(summarize(await rt.engine.dispatch(options.limit === undefined ? {} : { limit: options.limit })));
  });
}

export async function writeBackCommand(global: GlobalOptions, io: Io) {
  await withRuntime(global, io, async (rt) => {
    io.out(summarize(await rt.engine.writeBack()));
  });
}

export async function reportCommand(global: GlobalOptions, options: { json: boolean }, io: Io) {
  await withRuntime(global, io, async (rt) => {
    const report = await rt.store.report(rt.clock.now().toISOString());
    io.out(options.json ? JSON.stringify(report, null, 2) : renderReportText(report));
  });
}
