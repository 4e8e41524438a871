import type { CustomerSnapshot } from "@regua/core";
import { simulate } from "@regua/core";
import { renderActions, skipReasons } from "../plan-format.js";
import { renderTable } from "../table.js";
import { type GlobalOptions, type Io, type RuntimeOverrides, withRuntime } from "./shared.js";

/**
 * Replays the policy over the stored snapshots day by day (core's `simulate`): prints what
 * would be sent each day. Sends nothing and writes nothing.
 */
export async function simulateCommand(
  global: GlobalOptions,
  options: { from: string; to: string; json: boolean; details: boolean },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt) => {
      const snapshots: CustomerSnapshot[] = [];
      const now = rt.clock.now().toISOString();
      for await (const batch of rt.store.snapshots({ now })) snapshots.push(...batch);
      const days = simulate(rt.policy, snapshots, { from: options.from, to: options.to });
      if (options.json) {
        io.out(JSON.stringify(days, null, 2));
      } else {
        io.out(
          renderTable(
            ["date", "messages", "escalations", "skips", "skip reasons"],
            days.map((d) => [
              d.date,
              d.actions.filter((a) => a.kind === "message").length,
              d.actions.filter((a) => a.kind === "escalate").length,
              d.skips.length,
              skipReasons(d.skips),
            ]),
          ),
        );
        if (options.details) {
          for (const d of days.filter((day) => day.actions.length > 0))
            io.out(`\n${d.date}\n${renderActions(d.actions, 20)}`);
        }
      }
      io.err(
        `simulated ${snapshots.length} customer(s) from ${options.from} to ${options.to}; nothing was sent`,
      );
    },
    deps,
  );
}
