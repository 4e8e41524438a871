import { createHmac } from "node:crypto";
import type { Channel } from "@regua/core";
import { createMemoryChannel, createTestContext, MEMORY_SIGNATURE_HEADER } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMetrics, instrumentEngine } from "../src/metrics.js";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN, adminHeaders, fakeStore, type RecordingEngine, recordingEngine } from "./helpers.js";

const SECRET = "memory-channel-secret";
const sign = (body: Buffer) => `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;

describe("server", () => {
  let app: FastifyInstance;
  let engine: RecordingEngine;
  const memory = createMemoryChannel({ id: "@regua/channel-memory", webhookSecret: SECRET });

  beforeEach(async () => {
    engine = recordingEngine();
    const channel = (await memory.definition.create({}, createTestContext({ instanceId: "mem" }))) as Channel;
    app = await buildServer({
      engine,
      store: fakeStore(),
      channels: [{ id: "mem", packageName: "@regua/channel-memory", instance: channel }],
      connectors: [],
      adminToken: ADMIN_TOKEN,
    });
  });
  afterEach(async () => app.close());

  it("verifies the signature over the raw bytes and hands events to the engine", async () => {
    const { event } = memory.emitStatus("mem-1", "delivered");
    // Pretty-printed on purpose: a server that re-serialised parsed JSON would break the signature.
    const body = Buffer.from(JSON.stringify({ events: [event] }, null, 3));
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/memory/mem",
      headers: { "content-type": "application/json", [MEMORY_SIGNATURE_HEADER]: sign(body) },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, queued: 1, rejected: [] });
    expect(engine.channelEvents).toEqual([{ channelId: "mem", events: [event] }]);
  });

  it("answers 401 to a forged signature and does not touch the engine", async () => {
    const { request } = memory.emitStatus("mem-2", "read");
    const forged = Buffer.from(request.rawBody.toString("utf8").replace('"read"', '"failed"'));
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/memory/mem",
      headers: {
        "content-type": "application/json",
        [MEMORY_SIGNATURE_HEADER]: String(request.headers[MEMORY_SIGNATURE_HEADER]),
      },
      payload: forged,
    });
    expect(res.statusCode).toBe(401);
    expect(engine.channelEvents).toHaveLength(0);
  });

  it("404s when the plugin segment does not match the instance's package", async () => {
    const { request } = memory.emitStatus("mem-3", "sent");
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/whatsapp/mem",
      headers: { [MEMORY_SIGNATURE_HEADER]: String(request.headers[MEMORY_SIGNATURE_HEADER]) },
      payload: request.rawBody,
    });
    expect(res.statusCode).toBe(404);
    expect(engine.channelEvents).toHaveLength(0);
  });

  it("exposes the runner's metric names on /metrics", async () => {
    const { request } = memory.emitStatus("mem-4", "sent");
    await app.inject({
      method: "POST",
      url: "/webhooks/memory/mem",
      headers: { [MEMORY_SIGNATURE_HEADER]: String(request.headers[MEMORY_SIGNATURE_HEADER]) },
      payload: request.rawBody,
    });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    for (const name of [
      "regua_sync_duration_seconds",
      "regua_sync_errors_total",
      "regua_dispatch_errors_total",
      "regua_records_synced_total",
      "regua_webhook_events_total",
    ]) {
      expect(res.body).toContain(`# TYPE ${name}`);
    }
    expect(res.body).toContain('regua_messages{kind="message",status="sent"} 3');
    expect(res.body).toContain(
      'regua_webhook_events_total{plugin="memory",instance="mem",outcome="accepted"} 1',
    );
  });

  it("validates admin query parameters and serves the report", async () => {
    const get = (url: string) => app.inject({ method: "GET", url, headers: adminHeaders });
    expect((await get("/admin/actions?status=bogus")).statusCode).toBe(400);
    expect((await get("/admin/actions?status=sent,failed")).json()).toEqual([]);
    const report = await get("/admin/report");
    expect(report.json().actionsByStatus).toContainEqual({ kind: "message", status: "sent", count: 3 });
    const page = await get("/");
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("<td>1-30</td>");
  });

  it("reports health of the store and every plugin", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz", headers: adminHeaders });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      status: "up",
      store: { ok: true },
      plugins: [{ kind: "channel", id: "mem", ok: true }],
    });
  });
});

describe("server with an unreachable store and an admin token", () => {
  it("503s /healthz and guards /admin", async () => {
    const app = await buildServer({
      engine: recordingEngine(),
      store: fakeStore({ reachable: false }),
      channels: [],
      connectors: [],
      adminToken: "a-long-admin-token-123",
    });
    expect((await app.inject({ method: "GET", url: "/healthz" })).statusCode).toBe(503);
    expect((await app.inject({ method: "GET", url: "/admin/report" })).statusCode).toBe(401);
    const authed = await app.inject({
      method: "GET",
      url: "/admin/report",
      headers: { authorization: "Bearer a-long-admin-token-123" },
    });
    expect(authed.statusCode).toBe(200);
    await app.close();
  });
});

describe("instrumentEngine", () => {
  it("counts sync errors and records synced by source", async () => {
    const metrics = createMetrics({ defaults: false });
    const base = recordingEngine();
    const engine = instrumentEngine(
      {
        ...base,
        async sync(options = {}) {
          options.onProgress?.({ source: "erp", entity: "invoices", records: 5 });
          options.onProgress?.({ source: "erp", entity: "invoices", records: 12 });
          throw new Error("ERP down");
        },
      },
      metrics,
    );
    await expect(engine.sync({ source: "erp" })).rejects.toThrow("ERP down");
    const text = await metrics.registry.metrics();
    expect(text).toContain('regua_records_synced_total{source="erp",entity="invoices"} 12');
    expect(text).toContain('regua_sync_errors_total{source="erp"} 1');
  });
});
