import { spawnSync } from "node:child_process";
import { ManualClock, MemoryKeyValueState } from "@regua/core";
import { describe, expect, it } from "vitest";
import { freeDeadUnits } from "../src/context.js";

describe("freeDeadUnits", () => {
  it("frees the work units this instance's dead predecessor held, and no one else's", async () => {
    const clock = new ManualClock("2026-03-10T12:00:00.000Z");
    const state = new MemoryKeyValueState(clock);
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid;
    const me = `box:${process.pid}`;
    await state.acquireLease("sync:erp", `box:${deadPid}/4`, 300_000); // crashed mid-sync
    await state.acquireLease("plan", `box:${process.ppid}/2`, 300_000); // a live runner on this box
    await state.acquireLease("score", `other-box:${deadPid}/1`, 300_000); // another instance's
    const freed = await freeDeadUnits(state, ["sync:erp", "sync:odoo", "plan", "score"], me, "box");
    expect(freed).toEqual(["sync:erp"]);
    expect(await state.leaseHolder("sync:erp")).toBeNull();
    expect(await state.leaseHolder("plan")).toBe(`box:${process.ppid}/2`);
    expect(await state.leaseHolder("score")).toBe(`other-box:${deadPid}/1`);
  });
});
