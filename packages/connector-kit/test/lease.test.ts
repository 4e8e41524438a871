import { isReguaError, ManualClock, MemoryKeyValueState } from "@regua/core";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient, refreshUnderLease } from "../src/index.js";
import { JumpingClock } from "./support/clock.js";
import { pluginContext } from "./support/context.js";
import { json, serve, type TestServer } from "./support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A token endpoint that rotates the refresh token on every call, as QuickBooks does. */
async function tokenEndpoint(): Promise<TestServer> {
  return serve((req, res, i) => {
    const sent = new URLSearchParams(req.body).get("refresh_token");
    json(res, 200, {
      access_token: `A${i + 1}`,
      refresh_token: `R${i + 1}`,
      expires_in: 3600,
      previous: sent,
    });
  });
}

interface Token {
  access: string;
  refresh: string;
  expiresAt: number;
}

function refresher(clock: { now(): Date }) {
  if (!server) throw new Error("no server");
  const http = createHttpClient({ system: "intuit", baseURL: server.url }, pluginContext(new JumpingClock()));
  return {
    isFresh: (value: string) => (JSON.parse(value) as Token).expiresAt > clock.now().getTime() + 60_000,
    refresh: async (current: string | null) => {
      const previous = current ? (JSON.parse(current) as Token).refresh : "R0";
      const answer = await http.request<{ access_token: string; refresh_token: string; expires_in: number }>({
        method: "POST",
        url: "/oauth2/v1/tokens/bearer",
        data: new URLSearchParams({ grant_type: "refresh_token", refresh_token: previous }).toString(),
      });
      const token: Token = {
        access: answer.data.access_token,
        refresh: answer.data.refresh_token,
        expiresAt: clock.now().getTime() + answer.data.expires_in * 1000,
      };
      return JSON.stringify(token);
    },
  };
}

const expired = JSON.stringify({ access: "A0", refresh: "R0", expiresAt: 0 });

describe("refreshUnderLease", () => {
  it("refreshes once for many callers in one process, and stores the rotated token", async () => {
    server = await tokenEndpoint();
    const clock = new ManualClock("2026-03-02T12:00:00Z");
    const state = new MemoryKeyValueState(clock);
    await state.set("token", expired);
    const options = { ...refresher(clock), ttlMs: 10_000, clock };
    const values = await Promise.all(
      Array.from({ length: 5 }, () => refreshUnderLease(state, "token", options)),
    );
    expect(server.seen).toHaveLength(1);
    expect(new Set(values).size).toBe(1);
    expect(JSON.parse((await state.get("token")) ?? "{}")).toMatchObject({ access: "A1", refresh: "R1" });
    expect((await state.read("token")).version).toBe(2);
    // Fresh now: no call at all.
    await refreshUnderLease(state, "token", options);
    expect(server.seen).toHaveLength(1);
  });

  it("waits for another process's lease and takes the value it stored, without refreshing", async () => {
    server = await tokenEndpoint();
    const clock = new ManualClock("2026-03-02T12:00:00Z");
    const state = new MemoryKeyValueState(clock);
    await state.set("token", expired);
    expect(await state.acquireLease("token", "other-runner", 10_000)).toBe(true);
    const pending = refreshUnderLease(state, "token", { ...refresher(clock), ttlMs: 10_000, clock });
    await new Promise((r) => setTimeout(r, 10));
    const theirs = JSON.stringify({
      access: "B1",
      refresh: "S1",
      expiresAt: clock.now().getTime() + 3_600_000,
    });
    await state.set("token", theirs);
    clock.advance(100);
    expect(await pending).toBe(theirs);
    expect(server.seen).toHaveLength(0);
  });

  it("takes over a lease its crashed holder let expire", async () => {
    server = await tokenEndpoint();
    const clock = new ManualClock("2026-03-02T12:00:00Z");
    const state = new MemoryKeyValueState(clock);
    await state.set("token", expired);
    await state.acquireLease("token", "crashed-runner", 1_000);
    const pending = refreshUnderLease(state, "token", {
      ...refresher(clock),
      ttlMs: 10_000,
      clock,
      pollMs: 500,
    });
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(500);
    }
    expect(JSON.parse(await pending)).toMatchObject({ access: "A1" });
    expect(server.seen.map((r) => new URLSearchParams(r.body).get("refresh_token"))).toEqual(["R0"]);
  });

  it("gives up when the lease stays held and nothing fresh appears", async () => {
    server = await tokenEndpoint();
    const clock = new JumpingClock();
    const state = new MemoryKeyValueState(clock);
    await state.acquireLease("token", "stuck-runner", 60_000);
    const error = await refreshUnderLease(state, "token", { ...refresher(clock), ttlMs: 1_000, clock }).catch(
      (e: unknown) => e,
    );
    expect(isReguaError(error) && error.reason).toBe("lease busy");
    expect(server.seen).toHaveLength(0);
  });

  it("is fenced: a holder whose write lost the race keeps the newer value", async () => {
    server = await tokenEndpoint();
    const clock = new ManualClock("2026-03-02T12:00:00Z");
    const state = new MemoryKeyValueState(clock);
    await state.set("token", expired);
    const newer = JSON.stringify({
      access: "B9",
      refresh: "S9",
      expiresAt: clock.now().getTime() + 3_600_000,
    });
    const base = refresher(clock);
    const value = await refreshUnderLease(state, "token", {
      ...base,
      ttlMs: 10_000,
      clock,
      refresh: async (current) => {
        const mine = await base.refresh(current);
        await state.set("token", newer); // another runner, after our lease ran out
        return mine;
      },
    });
    expect(value).toBe(newer);
    expect(await state.get("token")).toBe(newer);
  });
});
