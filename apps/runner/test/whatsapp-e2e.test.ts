import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "@regua/core";
import { type FakeGraphApi, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createMemoryConnector } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { DemoClock } from "../src/demo/clock.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { createWebhookWorker, type WebhookWorker } from "../src/server/worker.js";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN } from "./helpers.js";

/**
 * `regua serve` end to end with @regua/channel-whatsapp (loaded by package name, as config
 * does) against the fake Graph API: dispatch sends real HTTP, the fake signs status and
 * inbound webhooks, and the runner's webhook route verifies and applies them to the store.
 * Webhooks are caught by a relay and replayed to the server one by one, so every step is
 * observable; the bytes and signatures are the fake's, untouched.
 */
const TOKEN = "EAAG-e2e-token";
const APP_SECRET = "e2e-app-secret";
const PHONE_NUMBER_ID = "106540352242922";
const MARIA = "+5511987654321";
const JOAO = "+5521998765432";

const POLICY = `
version: 1
timezone: America/Sao_Paulo
steps:
  - id: vencimento-d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje, language: pt_BR }
    variables: { "1": customer.firstName, "2": invoice.openAmount }
    attachDocument: true
  - id: vencida-d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida, language: pt_BR }
    variables: { "1": customer.firstName, "2": invoice.number }
`;

interface Caught {
  headers: Record<string, string>;
  body: Buffer;
  json: {
    entry: {
      changes: { value: { statuses?: { id: string; status: string }[]; messages?: { id: string }[] } }[];
    }[];
  };
}

const clock = new DemoClock("2026-03-10T12:00:00.000Z"); // Tuesday 09:00 in São Paulo
const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
let fake: FakeGraphApi;
let relay: Server;
let rt: Runtime;
let app: FastifyInstance;
let serverUrl = "";
let worker: WebhookWorker;
const caught: Caught[] = [];

for (const [id, name, phone] of [
  ["c1", "Maria Silva", MARIA],
  ["c2", "João Souza", JOAO],
] as const) {
  erp.upsert("customers", { externalId: id, name, phones: [phone], country: "BR" });
  erp.upsert("invoices", {
    externalId: `inv-${id}`,
    number: `NF-${id}`,
    customerRef: id,
    issueDate: "2026-02-01",
    dueDate: "2026-03-10",
    total: { amountMinor: 15_000, currency: "BRL" },
    openAmount: { amountMinor: 15_000, currency: "BRL" },
    status: "open",
    instruments: {
      boletoLine: null,
      pixCode: null,
      payLink: null,
      documentUrl: `https://erp.example.com/boletos/inv-${id}.pdf`,
    },
  });
}

beforeAll(async () => {
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      caught.push({
        headers: {
          "content-type": String(req.headers["content-type"]),
          "x-hub-signature-256": String(req.headers["x-hub-signature-256"]),
        },
        body,
        json: JSON.parse(body.toString("utf8")),
      });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  fake = await startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    webhookUrl: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/`,
    templates: [
      {
        name: "vencimento_hoje",
        language: "pt_BR",
        header: { format: "DOCUMENT" },
        body: "{{1}}, sua fatura de {{2}} vence hoje.",
      },
      { name: "fatura_vencida", language: "pt_BR", body: "{{1}}, a fatura {{2}} venceu." },
    ],
    clockSpeed: 200,
    duplicateRate: 0.5,
    outOfOrderRate: 0.5,
    seed: 11,
    now: () => clock.now(),
  });

  const dir = mkdtempSync(path.join(tmpdir(), "regua-wa-e2e-"));
  writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  const configText = `
store: { sqlite: ./regua.db }
secretKey: e2e-secret-key-0123456789
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "${PHONE_NUMBER_ID}", token: ${TOKEN}, appSecret: ${APP_SECRET}, baseUrl: "${fake.url}" }
policy: ./policy.yaml
server: { port: 0, host: 127.0.0.1 }
`;
  const config = parseConfig(configText, path.join(dir, "regua.yaml"));
  rt = await openRuntime(config, {
    log: silentLogger,
    clock,
    signal: new AbortController().signal,
    importer: (name) =>
      name === "@acme/connector-memory" ? Promise.resolve({ default: erp.definition }) : import(name),
  });
  worker = createWebhookWorker({ engine: rt.engine, store: rt.store, log: silentLogger, clock });
  app = await buildServer({
    engine: rt.engine,
    store: rt.store,
    clock,
    worker,
    adminToken: ADMIN_TOKEN,
    channels: rt.channels.map((c) => ({ id: c.id, packageName: c.packageName, instance: c.channel })),
    connectors: rt.sources.map((s) => ({ id: s.id, packageName: s.packageName, instance: s.connector })),
  });
  serverUrl = await app.listen({ port: 0, host: "127.0.0.1" });

  await rt.engine.sync();
  await rt.engine.plan({ dryRun: false });
  await rt.engine.dispatch({ limit: 50 });
  await fake.idle();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await rt?.close();
  await fake?.close();
  relay?.close();
});

/** Posts like Meta, then lets the webhook worker apply what was queued. */
async function post(hook: Pick<Caught, "headers" | "body">) {
  const response = await fetch(`${serverUrl}/webhooks/whatsapp/wa`, {
    method: "POST",
    headers: hook.headers,
    body: hook.body,
  });
  await worker.drain();
  return response;
}

const statusOf = (hook: Caught) => hook.json.entry[0]?.changes[0]?.value.statuses?.[0];

function hooksFor(wamid: string, status: string): Caught[] {
  return caught.filter((hook) => statusOf(hook)?.id === wamid && statusOf(hook)?.status === status);
}

async function actionFor(wamid: string) {
  return rt.store.findActionByProviderMessageId(wamid);
}

describe("WhatsApp end to end through the runner's server", () => {
  it("sent the d0 template with the boleto as a document header, keyed by the action", async () => {
    expect(fake.sent.map((s) => `+${s.to}`).sort()).toEqual([MARIA, JOAO].sort());
    for (const sent of fake.sent) {
      const action = await actionFor(sent.id);
      expect(action?.status).toBe("sent");
      expect(sent.actionKey).toBe(action?.key);
      const header = (sent.body.template as { components: { type: string; parameters: unknown[] }[] })
        .components[0];
      expect(header?.type).toBe("header");
      expect(header?.parameters[0]).toMatchObject({
        type: "document",
        document: { link: expect.stringContaining("boletos/inv-") },
      });
    }
  });

  it("a sent message becomes delivered, then read, in the store from the fake's signed webhooks", async () => {
    const wamid = fake.sent.find((s) => s.to === MARIA.slice(1))!.id;
    const seen: (string | undefined)[] = [];
    for (const status of ["sent", "delivered", "read"]) {
      const [hook] = hooksFor(wamid, status);
      expect(hook, `the fake posted a ${status} webhook`).toBeDefined();
      const response = await post(hook!);
      expect(response.status).toBe(200);
      seen.push((await actionFor(wamid))?.status);
    }
    expect(seen).toEqual(["sent", "delivered", "read"]);
  });

  it("rejects a forged signature with 401 and leaves the action as it was", async () => {
    const wamid = fake.sent.find((s) => s.to === JOAO.slice(1))!.id;
    const [delivered] = hooksFor(wamid, "delivered");
    const forged = Buffer.from(delivered!.body.toString("utf8").replace('"delivered"', '"read"'));
    expect((await post({ headers: delivered!.headers, body: forged })).status).toBe(401);
    const unsigned = await post({ headers: { "content-type": "application/json" }, body: delivered!.body });
    expect(unsigned.status).toBe(401);
    expect((await actionFor(wamid))?.status).toBe("sent");
  });

  it("applies the fake's webhooks in arrival order, duplicates and out-of-order included, ending at read", async () => {
    const wamid = fake.sent.find((s) => s.to === JOAO.slice(1))!.id;
    const arrivals = caught.filter((hook) => statusOf(hook)?.id === wamid);
    expect(arrivals.length).toBeGreaterThanOrEqual(3);
    for (const hook of arrivals) expect((await post(hook)).status).toBe(200);
    expect((await actionFor(wamid))?.status).toBe("read");
  });

  it("an inbound PARAR opts the customer out and no further message is planned", async () => {
    caught.length = 0;
    fake.reply(MARIA, "PARAR");
    await fake.idle();
    const inbound = caught.find((hook) => hook.json.entry[0]?.changes[0]?.value.messages);
    expect(inbound).toBeDefined();
    expect((await post(inbound!)).status).toBe(200);
    expect(await rt.store.isOptedOut({ phone: MARIA })).toBe(true);

    clock.jumpTo("2026-03-13T12:00:00.000Z"); // Friday, D+3: vencida-d3 is due for both
    const sentBefore = fake.sent.length;
    await rt.engine.plan({ dryRun: false });
    expect(await rt.store.listActions({ customerRef: "c1", status: ["planned"], limit: 100 })).toEqual([]);
    const joao = await rt.store.listActions({ customerRef: "c2", status: ["planned"], limit: 100 });
    expect(joao.map((a) => a.stepId)).toEqual(["vencida-d3"]);

    await rt.engine.dispatch({ limit: 50 });
    expect(fake.sent.slice(sentBefore).map((s) => `+${s.to}`)).toEqual([JOAO]);
  });
});
