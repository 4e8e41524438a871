import { describe, expect, it } from "vitest";
import { AuthError, TransientError } from "../src/errors.js";
import { seeded } from "./support/harness.js";

async function withOneActivity(options: Parameters<typeof seeded>[0] = {}) {
  const h = await seeded(options);
  await h.engine.plan();
  await h.engine.dispatch();
  expect(h.store.activities.size).toBe(1);
  const [key] = h.store.activities.keys();
  return { h, key: key as string };
}

describe("engine.writeBack", () => {
  it("writes each activity to the ERP once and records the ERP's id", async () => {
    const { h, key } = await withOneActivity();
    expect(await h.engine.writeBack()).toMatchObject({ claimed: 1, written: 1 });
    expect(h.store.activities.get(key)).toMatchObject({ status: "written", externalId: "ACT-1" });
    expect(h.connector.written.get(key)?.kind).toBe("message_sent");
    expect(await h.engine.writeBack()).toMatchObject({ claimed: 0 });
    expect(h.connector.writeCalls).toBe(1);
  });

  it("backs off on a retryable error and gives up after writeAttempts", async () => {
    const { h, key } = await withOneActivity({ limits: { writeAttempts: 3 } });
    h.connector.writeFailures.push(
      new TransientError("ERP busy"),
      new TransientError("ERP busy"),
      new TransientError("ERP busy"),
    );
    expect(await h.engine.writeBack()).toMatchObject({ failed: 1 });
    const row = h.store.activities.get(key);
    expect(row).toMatchObject({ status: "pending", attempts: 1 });
    expect(Date.parse(row?.nextAttemptAt ?? "")).toBe(h.clock.now().getTime() + 1_000);
    expect(await h.engine.writeBack()).toMatchObject({ claimed: 0 });
    for (let i = 0; i < 4; i++) {
      h.clock.advance(3_600_000);
      await h.engine.writeBack();
    }
    expect(h.connector.writeCalls).toBe(3);
    expect(h.store.activities.get(key)).toMatchObject({ status: "dead", attempts: 3 });
    expect(h.store.activities.get(key)?.lastError).toContain("ERP busy");
  });

  it("gives up at once on a permanent error", async () => {
    const { h, key } = await withOneActivity();
    h.connector.writeFailures.push(
      new AuthError("session expired", { provider: { system: "sap-b1", code: 301 } }),
    );
    expect(await h.engine.writeBack()).toMatchObject({ dead: 1 });
    expect(h.store.activities.get(key)?.lastError).toContain("sap-b1");
  });

  it("marks activities dead with a clear reason when the connector cannot write them", async () => {
    const { h, key } = await withOneActivity();
    h.connector.capabilities = { ...h.connector.capabilities, writeActivity: false };
    expect(await h.engine.writeBack()).toMatchObject({ dead: 1 });
    expect(h.connector.writeCalls).toBe(0);
    expect(h.store.activities.get(key)?.lastError).toMatch(/cannot write activities/);
  });
});
