import { readFileSync } from "node:fs";
import type { KitResponse } from "@regua/connector-kit";
import { JumpingClock } from "@regua/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { classifyIntuit, THROTTLE_WAIT_MS } from "../src/client.js";
import { connect, startFake, TODAY } from "./support.js";

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"));
const response = (status: number, data: unknown, headers: Record<string, string> = {}): KitResponse => ({
  status,
  data,
  headers,
  setCookie: [],
});

describe("Intuit errors through the kit", () => {
  const fakes: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it("reads both Fault shapes, keeps Intuit's code and words and the intuit_tid", () => {
    const stale = classifyIntuit(response(400, fixture("fault-stale-object.json"), { intuit_tid: "1-abc" }));
    expect(stale).toMatchObject({ kind: "VALIDATION", code: "5010" });
    expect(stale?.message).toContain("Stale Object Error");
    expect(stale?.message).toContain("intuit_tid 1-abc");
    const expired = classifyIntuit(response(401, fixture("fault-lowercase-401.json")));
    expect(expired).toMatchObject({ kind: "AUTH", code: "3200" });
    expect(expired?.message).toContain("AuthenticationFailed");
    const missing = classifyIntuit(
      response(400, {
        Fault: {
          Error: [{ Message: "Object Not Found", Detail: "x", code: "610" }],
          type: "ValidationFault",
        },
      }),
    );
    expect(missing?.kind).toBe("NOT_FOUND");
    expect(classifyIntuit(response(429, "Too Many Requests"))).toMatchObject({
      retryAfterMs: THROTTLE_WAIT_MS,
    });
    expect(classifyIntuit(response(200, {}))).toBeUndefined();
  });

  it("waits 60 s on 429 (no Retry-After from QuickBooks) and retries", async () => {
    const clock = new JumpingClock(`${TODAY}T12:00:00-03:00`);
    const fake = await startFake({ limits: { perSecond: 3 }, now: () => clock.now() }, clock);
    fakes.push(fake);
    const qbo = connect(fake, {}, { clock });
    await qbo.getInvoice("1");
    const ids = fake.company.Invoice.slice(0, 8).map((i) => i.Id);
    const read = await Promise.all(ids.map((id) => qbo.getInvoice(id)));
    expect(read.map((i) => i?.externalId)).toEqual(ids);
    expect(fake.throttled).toBeGreaterThan(0);
    expect(clock.sleeps).toContain(THROTTLE_WAIT_MS);
  });

  it("keeps to Intuit's limits on its own: 10 in flight at most, paced under 500 a minute, no 429", async () => {
    const fake = await startFake({ limits: {}, latencyMs: 40 });
    fakes.push(fake);
    const qbo = connect(fake, { limits: { perMinute: 500, concurrency: 10 } });
    const ids = fake.company.Invoice.slice(0, 24).map((i) => i.Id);
    const started = Date.now();
    await Promise.all(ids.map((id) => qbo.getInvoice(id)));
    expect(fake.throttled).toBe(0);
    expect(fake.peakConcurrency).toBeLessThanOrEqual(10);
    // 25 requests (terms included) at 500/60 × 0.96 = 8 a second take about 3 s.
    expect(Date.now() - started).toBeGreaterThan(2_500);
  });

  it("retries a 503 and maps an unknown id to null", async () => {
    const fake = await startFake();
    fakes.push(fake);
    const qbo = connect(fake);
    fake.failNext(1, 503);
    expect((await qbo.getInvoice("1"))?.externalId).toBe("1");
    expect(await qbo.getInvoice("999999")).toBeNull();
    expect(await qbo.getInvoice("not-an-id")).toBeNull();
  });
});
