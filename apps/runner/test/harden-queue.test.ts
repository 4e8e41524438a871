import { ManualClock, silentLogger } from "@regua/core";
import BetterSqlite3 from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { createWebhookWorker } from "../src/server/worker.js";
import { recordingEngine } from "./helpers.js";
import {
  deliveredStatus,
  type HardenedServer,
  notification,
  postSigned,
  startHardenedServer,
  textMessage,
} from "./support/hardened-server.js";

/** Issue 17: webhooks are acknowledged fast and applied by the worker; junk is never stored. */

let server: HardenedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function timedGet(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  await res.arrayBuffer();
  return performance.now() - started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("never blocked by one request", () => {
  it("acknowledges a 30,000-status delivery fast and serves others while it is applied", async () => {
    // Meta sends at most 1,000 updates in one notification; this operator raised the limits so
    // the queue, not the limit, is what keeps the server responsive.
    server = await startHardenedServer({
      limits: { maxEventsPerRequest: 30_000, webhookBodyBytes: 8 << 20 },
    });
    const statuses = Array.from({ length: 30_000 }, (_, i) => deliveredStatus(i));
    const body = JSON.stringify(notification({ statuses }));
    await timedGet(`${server.url}/healthz`); // warm the route and the plugin health cache

    const big = postSigned(server.url, body);
    await sleep(5);
    const concurrentMs = await timedGet(`${server.url}/healthz`);
    const ack = await big;
    expect(ack.status).toBe(200);
    expect(ack.json).toMatchObject({ queued: 30_000 });
    // Nothing was applied inside the request: the delivery waits in the queue (the worker, kicked
    // after the answer, may have applied its first batches by now).
    expect(await server.store.webhookBacklog()).toBeGreaterThan(25_000);

    // The worker applies it in batches of 50, yielding between them: requests keep flowing.
    const applyStarted = performance.now();
    const draining = server.worker.drain();
    const during: number[] = [];
    for (let i = 0; i < 10; i++) {
      during.push(await timedGet(`${server.url}/healthz`));
      await sleep(100);
    }
    await server.worker.stop();
    await draining;
    const applyMs = performance.now() - applyStarted;
    const applied = 30_000 - (await server.store.webhookBacklog());
    console.info(
      `30,000-status webhook: ack ${ack.ms.toFixed(0)} ms, concurrent request ${concurrentMs.toFixed(0)} ms, ` +
        `${applied} events applied in ${applyMs.toFixed(0)} ms with requests answered in ${during.map((d) => d.toFixed(0)).join("/")} ms`,
    );
    expect(applied).toBeGreaterThan(0);
    // The review's 200 ms / 50 ms targets hold on an idle machine (see docs/security.md); on a
    // loaded CI box the proof is relative: the concurrent request never waits for the apply,
    // and no request during the apply waits for more than a few batches.
    expect(concurrentMs).toBeLessThan(ack.ms + 250);
    const sorted = [...during].sort((a, b) => a - b);
    expect(sorted[5]).toBeLessThan(1_000);
    expect(sorted[9]).toBeLessThan(applyMs / 2);
  }, 60_000);

  it("answers 503 with a retry hint and no internal text while the database is locked", async () => {
    server = await startHardenedServer({ busyTimeoutMs: 100 });
    const locker = new BetterSqlite3(server.file);
    locker.exec("begin immediate");
    try {
      const body = JSON.stringify(notification({ statuses: [deliveredStatus(7)] }));
      const res = await postSigned(server.url, body);
      expect(res.status).toBe(503);
      expect(res.retryAfter).toBe("30");
      expect(JSON.stringify(res.json)).not.toMatch(/locked|sqlite|busy/i);
      expect(server.logs.some((l) => l.msg === "webhook could not be queued")).toBe(true);
    } finally {
      locker.exec("rollback");
      locker.close();
    }
    const retried = await postSigned(
      server.url,
      JSON.stringify(notification({ statuses: [deliveredStatus(7)] })),
    );
    expect(retried.status).toBe(200);
  });
});

describe("no junk stored", () => {
  it("rejects non-E.164 senders at the boundary: no opt-out, no event row", async () => {
    server = await startHardenedServer();
    for (const from of ["../../x", "+", "0", "PARAR"]) {
      const body = JSON.stringify(
        notification({ messages: [textMessage(from, "PARAR", `wamid.bad-${from}`)] }),
      );
      const res = await postSigned(server.url, body);
      expect(res.status).toBe(400);
      expect(String(res.json.error)).toMatch(/from/);
    }
    await server.worker.drain();
    const db = new BetterSqlite3(server.file, { readonly: true });
    const counts = db
      .prepare(
        "select (select count(*) from opt_outs) o, (select count(*) from inbound_events) e, (select count(*) from webhook_queue) q",
      )
      .get();
    db.close();
    expect(counts).toEqual({ o: 0, e: 0, q: 0 });
  });

  it("rejects absurd timestamps with a log line and keeps the server's receive time beside the vendor's", async () => {
    server = await startHardenedServer();
    const good = textMessage("5511987654321", "PARAR", "wamid.good");
    const future = textMessage("5511987654322", "PARAR", "wamid.future", "8640000000000");
    const ancient = textMessage("5511987654323", "PARAR", "wamid.ancient", "1");
    const res = await postSigned(
      server.url,
      JSON.stringify(notification({ messages: [good, future, ancient] })),
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      queued: 1,
      rejected: [{ eventId: "wamid.future" }, { eventId: "wamid.ancient" }],
    });
    const line = server.logs.find((l) => l.msg === "webhook events rejected: not stored");
    expect(JSON.stringify(line)).toMatch(/in the future/);
    expect(JSON.stringify(line)).toMatch(/more than 30 days old/);
    await server.worker.drain();
    expect(await server.store.isOptedOut({ phone: "+5511987654321" })).toBe(true);
    expect(await server.store.isOptedOut({ phone: "+5511987654322" })).toBe(false);
    const db = new BetterSqlite3(server.file, { readonly: true });
    const rows = db.prepare("select event_id, payload, received_at from inbound_events").all() as {
      event_id: string;
      payload: string;
      received_at: string;
    }[];
    db.close();
    expect(rows.map((r) => r.event_id)).toEqual(["wamid.good"]);
    expect(JSON.parse(rows[0]!.payload).at).toBe(new Date(Number(good.timestamp) * 1000).toISOString());
    expect(Math.abs(Date.parse(rows[0]!.received_at) - Date.now())).toBeLessThan(60_000);
  });

  it("retention deletes old raw bodies and dedupe records and keeps the audit and the opt-out", async () => {
    server = await startHardenedServer();
    const body = JSON.stringify(
      notification({ messages: [textMessage("5511987654321", "PARAR", "wamid.optout")] }),
    );
    expect((await postSigned(server.url, body)).status).toBe(200);
    await server.worker.drain();
    const in100Days = new ManualClock(new Date(Date.now() + 100 * 24 * 60 * 60_000));
    const later = createWebhookWorker({
      engine: recordingEngine(),
      store: server.store,
      log: silentLogger,
      clock: in100Days,
      retentionDays: 90,
      intervalMs: 60_000,
    });
    expect(await later.purge()).toEqual({ batches: 1, events: 1 });
    await later.stop();
    expect(await server.store.isOptedOut({ phone: "+5511987654321" })).toBe(true);
    expect(await server.store.listAudit({ subject: "+5511987654321" })).toMatchObject([{ action: "optout" }]);
    const db = new BetterSqlite3(server.file, { readonly: true });
    const left = db
      .prepare("select (select count(*) from webhook_queue) q, (select count(*) from inbound_events) e")
      .get();
    db.close();
    expect(left).toEqual({ q: 0, e: 0 });
  });
});
