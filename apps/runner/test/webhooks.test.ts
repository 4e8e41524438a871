import { createHmac } from "node:crypto";
import whatsapp from "@regua/channel-whatsapp";
import { defineConnector, type ErpEvent } from "@regua/core";
import { createMemoryChannel, createTestContext, MEMORY_SIGNATURE_HEADER } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN, fakeStore, recordingEngine } from "./helpers.js";

/** An ERP that pushes changes: HMAC of the raw body in x-acme-signature, JSON list of changes. */
const ERP_SECRET = "acme-secret";
const acme = defineConnector({
  id: "@acme/connector-acme",
  displayName: "Acme ERP",
  capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: true },
  optionsSchema: z.object({}),
  create: () => ({
    capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: true },
    async *listCustomers() {},
    async *listInvoices() {},
    webhook: {
      verify: (req) =>
        req.headers["x-acme-signature"] ===
        createHmac("sha256", ERP_SECRET).update(req.rawBody).digest("hex"),
      parse: (req): ErpEvent[] =>
        z
          .array(z.object({ invoice: z.string() }))
          .parse(JSON.parse(req.rawBody.toString("utf8")))
          .map((c) => ({ kind: "changed", entity: "invoices", externalId: c.invoice })),
    },
    healthCheck: async () => ({ ok: true, detail: "acme" }),
    close: async () => {},
  }),
});

const engine = recordingEngine();
let app: Awaited<ReturnType<typeof buildServer>>;
const memory = createMemoryChannel({ id: "@regua/channel-memory" });

beforeAll(async () => {
  const wa = await whatsapp.create(
    whatsapp.optionsSchema.parse({
      phoneNumberId: "123",
      token: "t",
      appSecret: "s",
      verifyToken: "the-verify-token",
    }),
    createTestContext({ instanceId: "wa" }),
  );
  app = await buildServer({
    engine,
    store: fakeStore(),
    channels: [
      { id: "wa", packageName: "@regua/channel-whatsapp", instance: wa },
      {
        id: "mem",
        packageName: "@regua/channel-memory",
        instance: await memory.definition.create({}, createTestContext()),
      },
    ],
    connectors: [
      {
        id: "erp",
        packageName: "@acme/connector-acme",
        instance: await acme.create({}, createTestContext()),
      },
    ],
    adminToken: ADMIN_TOKEN,
  });
});
afterAll(async () => app.close());

describe("webhook routes", () => {
  it("answers WhatsApp's subscription handshake with the challenge, and 403 to a wrong token", async () => {
    const ok = await app.inject({
      method: "GET",
      url: "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.verify_token=the-verify-token&hub.challenge=1158201444",
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe("1158201444");
    const wrong = await app.inject({
      method: "GET",
      url: "/webhooks/whatsapp/wa?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
    });
    expect(wrong.statusCode).toBe(403);
  });

  it("hands a verified ERP push to handleErpEvents under the connector's short name", async () => {
    const body = Buffer.from('[{"invoice":"4711"},{"invoice":"4712"}]');
    const signature = createHmac("sha256", ERP_SECRET).update(body).digest("hex");
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/acme/erp",
      headers: { "content-type": "application/json", "x-acme-signature": signature },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    expect(engine.erpEvents).toEqual([
      {
        sourceId: "erp",
        events: [
          { kind: "changed", entity: "invoices", externalId: "4711" },
          { kind: "changed", entity: "invoices", externalId: "4712" },
        ],
      },
    ]);
  });

  it("rejects an ERP push with a bad signature before parsing it", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/acme/erp",
      headers: { "content-type": "text/plain", "x-acme-signature": "00" },
      payload: "not even json",
    });
    expect(res.statusCode).toBe(401);
  });

  it("answers 400 to a correctly signed body that does not parse", async () => {
    const body = Buffer.from('{"events": "nope"}');
    const signature = `sha256=${createHmac("sha256", "memory-channel-secret").update(body).digest("hex")}`;
    const res = await app.inject({
      method: "POST",
      url: "/webhooks/memory/mem",
      headers: { "content-type": "application/json", [MEMORY_SIGNATURE_HEADER]: signature },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
  });

  it("404s an unknown instance id", async () => {
    const res = await app.inject({ method: "POST", url: "/webhooks/whatsapp/nope", payload: "{}" });
    expect(res.statusCode).toBe(404);
  });
});
