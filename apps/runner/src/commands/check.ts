import type { Health, Policy } from "@regua/core";
import { systemClock } from "@regua/core";
import { loadConfig } from "../config.js";
import { shutdownSignal } from "../context.js";
import { createLogger } from "../logger.js";
import { createPlugins } from "../plugins.js";
import { loadPolicy, openStore } from "../runtime.js";
import { renderTable } from "../table.js";
import { checkPolicyTemplates } from "./check-templates.js";
import {
  CommandFailed,
  describeError,
  type GlobalOptions,
  type Io,
  type RuntimeOverrides,
} from "./shared.js";

interface CheckRow {
  what: string;
  id: string;
  ok: boolean;
  detail: string;
  latencyMs?: number | undefined;
}

async function timedHealth(check: () => Promise<Health>): Promise<Health> {
  const started = performance.now();
  try {
    const health = await check();
    return { latencyMs: Math.round(performance.now() - started), ...health };
  } catch (error) {
    return { ok: false, detail: describeError(error), latencyMs: Math.round(performance.now() - started) };
  }
}

/** Validates config + policy, then pings every source and channel; exit 1 when anything fails. */
export async function checkCommand(
  global: GlobalOptions,
  io: Io,
  deps: RuntimeOverrides = {},
): Promise<void> {
  // The table is the output; logs only for what goes wrong, unless asked.
  const log = createLogger({ level: global.logLevel ?? "warn" });
  const rows: CheckRow[] = [];
  const config = loadConfig(global.config); // a config error is fatal: nothing else can be checked
  rows.push({ what: "config", id: config.file, ok: true, detail: "valid" });
  let policy: Policy | null = null;
  try {
    policy = loadPolicy(config.policy);
    rows.push({ what: "policy", id: config.policy, ok: true, detail: "valid" });
  } catch (error) {
    rows.push({ what: "policy", id: config.policy, ok: false, detail: describeError(error) });
  }
  const shutdown = shutdownSignal(log);
  let store: Awaited<ReturnType<typeof openStore>> | null = null;
  try {
    store = await openStore(config, log);
    rows.push({
      what: "store",
      id: "sqlite" in config.store ? config.store.sqlite : "postgres",
      ok: true,
      detail: "migrated",
    });
  } catch (error) {
    rows.push({
      what: "store",
      id: "sqlite" in config.store ? config.store.sqlite : "postgres",
      ok: false,
      detail: describeError(error),
    });
  }
  try {
    if (store) {
      const opened = store;
      const plugins = await createPlugins(config, {
        log,
        clock: deps.clock ?? systemClock,
        signal: shutdown.signal,
        state: (id) => opened.state(id),
        ...(deps.importer ? { importer: deps.importer } : {}),
        ...(deps.http ? { http: deps.http } : {}),
      });
      for (const s of plugins.sources) {
        const h = await timedHealth(() => s.connector.healthCheck());
        rows.push({ what: `source ${s.packageName}`, id: s.id, ...h });
      }
      const reachable = new Set<string>();
      for (const c of plugins.channels) {
        const h = await timedHealth(() => c.channel.healthCheck());
        rows.push({ what: `channel ${c.packageName}`, id: c.id, ...h });
        if (h.ok) reachable.add(c.id);
      }
      if (policy) {
        // Templates are checked only where the channel answered; its failure is already a row.
        const channels = new Map(
          plugins.channels.filter((c) => reachable.has(c.id)).map((c) => [c.id, c.channel]),
        );
        const configured = new Set(plugins.channels.map((c) => c.id));
        for (const t of await checkPolicyTemplates(policy, channels, configured)) {
          const detail = t.problems.map((p) => `${p.path}: ${p.message}`).join("; ");
          rows.push({
            what: `template ${t.what}`,
            id: t.channel,
            ok: t.problems.length === 0,
            detail: detail || "matches",
          });
        }
      }
      await Promise.allSettled([
        ...plugins.sources.map((s) => s.connector.close()),
        ...plugins.channels.map((c) => c.channel.close()),
      ]);
    }
  } catch (error) {
    rows.push({ what: "plugins", id: "-", ok: false, detail: describeError(error) });
  } finally {
    await store?.close();
    shutdown.dispose();
  }
  io.out(
    renderTable(
      ["check", "id", "result", "latency", "detail"],
      // A detail of several lines (every bad option of a plugin) continues on rows of its own.
      rows.flatMap((r) => {
        const [first = "", ...more] = r.detail.split("\n");
        const latency = r.latencyMs === undefined ? "" : `${r.latencyMs} ms`;
        return [
          [r.what, r.id, r.ok ? "ok" : "FAIL", latency, first],
          ...more.map((line) => ["", "", "", "", line]),
        ];
      }),
    ),
  );
  const failed = rows.filter((r) => !r.ok).length;
  if (failed > 0) throw new CommandFailed(`${failed} check(s) failed`);
}
