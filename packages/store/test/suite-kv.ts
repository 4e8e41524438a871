import { ManualClock } from "@regua/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import type { ReguaStore } from "../src/index.js";
import type { StoreFactory } from "./fixtures.js";

const SECRET = "test-secret-key-not-for-production";

/** KeyValueState v2 on a real database: versions, compareAndSet, and leases by the store's clock. */
export function kvStateTests(factory: StoreFactory): void {
  let store: ReguaStore | undefined;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock("2026-03-10T12:00:00Z");
    store = await factory({ secretKey: SECRET, clock });
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const state = (namespace = "qbo") => {
    if (!store) throw new Error("no store");
    return store.state(namespace);
  };

  it("versions every write and delete", async () => {
    const kv = state();
    expect(await kv.read("token")).toEqual({ value: null, version: 0 });
    await kv.set("token", "T1");
    await kv.set("token", "T2");
    expect(await kv.read("token")).toEqual({ value: "T2", version: 2 });
    await kv.delete("token");
    expect(await kv.read("token")).toEqual({ value: null, version: 3 });
    expect(await kv.get("token")).toBeNull();
    await kv.set("token", "T3");
    expect(await kv.read("token")).toEqual({ value: "T3", version: 4 });
  });

  it("compareAndSet writes only over the version it read", async () => {
    const kv = state();
    expect(await kv.compareAndSet("token", 0, "first")).toBe(true);
    expect(await kv.compareAndSet("token", 0, "second")).toBe(false);
    expect(await kv.compareAndSet("token", 1, "third")).toBe(true);
    expect(await kv.compareAndSet("token", 1, "stale")).toBe(false);
    expect(await kv.read("token")).toEqual({ value: "third", version: 2 });
    expect(await state("other").read("token")).toEqual({ value: null, version: 0 });
  });

  it("lets exactly one of many concurrent compareAndSets win", async () => {
    const kv = state();
    await kv.set("token", "T1");
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => kv.compareAndSet("token", 1, `W${i}`)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await kv.read("token")).toEqual({ value: `W${winner}`, version: 2 });
  });

  it("gives a lease to one owner until it is released or expires", async () => {
    const kv = state();
    expect(await kv.acquireLease("token", "runner-a", 1_000)).toBe(true);
    expect(await kv.acquireLease("token", "runner-b", 1_000)).toBe(false);
    expect(await kv.acquireLease("token", "runner-a", 1_000)).toBe(true); // renewal
    await kv.releaseLease("token", "runner-b"); // not its lease: nothing happens
    expect(await kv.acquireLease("token", "runner-b", 1_000)).toBe(false);
    await kv.releaseLease("token", "runner-a");
    expect(await kv.acquireLease("token", "runner-b", 1_000)).toBe(true);
    clock.advance(999);
    expect(await kv.acquireLease("token", "runner-c", 1_000)).toBe(false);
    clock.advance(1);
    expect(await kv.acquireLease("token", "runner-c", 1_000)).toBe(true);
  });

  it("names the holder of an unexpired lease", async () => {
    const kv = state();
    expect(await kv.leaseHolder?.("token")).toBeNull();
    expect(await kv.acquireLease("token", "runner-a:7/1", 1_000)).toBe(true);
    expect(await kv.leaseHolder?.("token")).toBe("runner-a:7/1");
    clock.advance(1_000);
    expect(await kv.leaseHolder?.("token")).toBeNull();
    expect(await kv.acquireLease("token", "runner-b:8/1", 1_000)).toBe(true);
    await kv.releaseLease("token", "runner-b:8/1");
    expect(await kv.leaseHolder?.("token")).toBeNull();
  });

  it("keeps the value and its version apart from the lease", async () => {
    const kv = state();
    expect(await kv.acquireLease("token", "runner-a", 1_000)).toBe(true);
    expect(await kv.read("token")).toEqual({ value: null, version: 0 });
    expect(await kv.compareAndSet("token", 0, "T1")).toBe(true);
    await kv.set("token", "T2");
    expect(await kv.acquireLease("token", "runner-b", 1_000)).toBe(false);
    expect(await kv.read("token")).toEqual({ value: "T2", version: 2 });
  });
}
