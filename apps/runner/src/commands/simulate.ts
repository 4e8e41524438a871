import type { CustomerSnapshot, Policy } from "@regua/core";
import * as core from "@regua/core";
import { CommandFailed, type GlobalOptions, type Io, summarize, withRuntime } from "./shared.js";

type Simulate = (
  policy: Policy,
  snapshots: CustomerSnapshot[],
  range: { from: string; to: string },
) => unknown;

/** Replays the policy over the stored snapshots day by day; sends nothing, writes nothing. */
export async function simulateCommand(
  global: GlobalOptions,
  range: { from: string; to: string; json: boolean },
  io: Io,
) {
  const simulate = (core as Record<string, unknown>).simulate;
  if (typeof simulate !== "function") throw new CommandFailed("this @regua/core has no simulate() yet");
  await withRuntime(global, io, async (rt) => {
    const snapshots: CustomerSnapshot[] = [];
    for await (const batch of rt.store.snapshots()) snapshots.push(...batch);
    const result = await (simulate as Simulate)(rt.policy, snapshots, { from: range.from, to: range.to });
    io.out(range.json ? JSON.stringify(result, null, 2) : summarize(result));
    io.err(`simulated ${snapshots.length} customer(s) from ${range.from} to ${range.to}; nothing was sent`);
  });
}
