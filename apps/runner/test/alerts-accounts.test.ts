import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AlertStore, silentLogger } from "@regua/core";
import {
  type SmtpSink,
  startSmtpSink,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@regua/test-fixtures/notify";
import { type FakeGraphApi, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createMemoryConnector } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAlerts } from "../src/alerts/evaluate.js";
import { alertRunDeps } from "../src/alerts/job.js";
import { parseConfig } from "../src/config.js";
import { DemoClock } from "../src/demo/clock.js";
import { createNotifier } from "../src/notify/index.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { createWebhookWorker, type WebhookWorker } from "../src/server/worker.js";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN } from "./helpers.js";

/**
 * The WhatsApp account alerts from real faults in the fake Graph API: Meta pauses a template
 * (a signed message_template_status_update posted to the runner's webhook route), the number's
 * messaging tier drops (phone_number_quality_update), the access token expires (190 on send).
 * Each alert sends one message when it starts and one when it clears, to the SMTP sink and the
 * webhook receiver, however often it is evaluated in between.
 */
const TOKEN = "EAAG-alerts-token";
const APP_SECRET = "alerts-app-secret";
const PHONE_NUMBER_ID = "106540352242922";
const WABA_ID = "102290129340398";

const POLICY = `
version: 1
timezone: America/Sao_Paulo
steps:
  - id: vencimento-d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje, language: pt_BR }
    variables: { "1": customer.firstName }
  - id: vencida-d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida, language: pt_BR, fallback: { name: fatura_em_atraso } }
    variables: { "1": customer.firstName }
  - id: vencida-d7
    offsetDays: 7
    channel: wa
    template: { name: fatura_vencida, language: pt_BR }
    variables: { "1": customer.firstName }
  - id: vencida-d10
    offsetDays: 10
    channel: wa
    template: { name: lembrete_final, language: pt_BR }
    variables: { "1": customer.firstName }
`;

const clock = new DemoClock("2026-03-10T12:00:00.000Z"); // Tuesday 09:00 in São Paulo
const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
for (const [id, name, phone] of [
  ["c1", "Maria Silva", "+5511987654321"],
  ["c2", "João Souza", "+5521998765432"],
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
  });
}

let dir: string;
let fake: FakeGraphApi;
let sink: SmtpSink;
let receiver: WebhookReceiver;
let rt: Runtime;
let app: FastifyInstance;
let worker: WebhookWorker;
let serverUrl: string;

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  fake = await startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    wabaId: WABA_ID,
    templates: [
      { name: "vencimento_hoje", language: "pt_BR", body: "{{1}}, sua fatura vence hoje." },
      { name: "fatura_vencida", language: "pt_BR", body: "{{1}}, a fatura venceu." },
      { name: "fatura_em_atraso", language: "pt_BR", body: "{{1}}, há uma fatura em atraso." },
      { name: "lembrete_final", language: "pt_BR", body: "{{1}}, último lembrete." },
    ],
    clockSpeed: 200,
    duplicateRate: 0,
    outOfOrderRate: 0,
    seed: 5,
    now: () => clock.now(),
  });
  dir = mkdtempSync(path.join(tmpdir(), "regua-alerts-accounts-"));
  writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  const config = parseConfig(
    `
store: { sqlite: ./regua.db }
secretKey: alerts-accounts-secret-0123456789
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "${PHONE_NUMBER_ID}", wabaId: "${WABA_ID}", token: ${TOKEN}, appSecret: ${APP_SECRET}, baseUrl: "${fake.url}" }
policy: ./policy.yaml
notify:
  email: { host: ${sink.host}, port: ${sink.port}, from: "régua <alerts@example.com>", to: [ops@example.com] }
  webhooks: [{ name: chat, url: "${receiver.url}" }]
  attempts: 2
`,
    path.join(dir, "regua.yaml"),
    { env: {} },
  );
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
  // Meta posts straight to the runner's route, signed with the app secret.
  fake.setWebhookUrl(`${serverUrl}/webhooks/whatsapp/wa`);
  await rt.engine.sync();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await rt?.close();
  await Promise.all([fake?.close(), sink?.close(), receiver?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** What Meta posted has reached the route and been applied. */
async function settle() {
  await fake.idle();
  await worker.drain();
}

/** One evaluation with a fresh notifier, as after a restart. */
async function evaluate() {
  const notifier = createNotifier(rt.config.notify, { clock, log: silentLogger, backoffMs: 5 });
  return runAlerts(alertRunDeps(rt, rt.store.alerts as AlertStore, notifier));
}

/** Subjects of the e-mails, and statuses of the chat webhooks, about one rule. */
function messagesOf(rule: string) {
  const hooks = receiver
    .delivered()
    .map((r) => (r.body as { regua: { status: string; fields: { name: string; value: string }[] } }).regua)
    .filter((n) => n.fields.some((f) => f.name === "Rule" && f.value === rule));
  const mails = sink.mails.filter((m) => (m.parsed.text ?? "").includes(`Rule: ${rule}\n`));
  return { subjects: mails.map((m) => m.parsed.subject), hooks: hooks.map((h) => h.status) };
}

const sentTemplates = () => fake.sent.map((s) => (s.body.template as { name: string }).name);

describe("template paused by Meta", () => {
  it("sends wait (not failed) with one FIRING; reinstated, they go and one RESOLVED follows", async () => {
    fake.templateStatus("vencimento_hoje", "PAUSED", {
      otherInfo: {
        title: "FIRST_PAUSE",
        description: "Your WhatsApp message template has been paused for 3 hours.",
      },
    });
    await settle();
    await rt.engine.plan({ dryRun: false });
    const paused = await rt.engine.dispatch({ limit: 50 });
    expect(paused).toMatchObject({ claimed: 2, sent: 0, failed: 0, retried: 2 });
    expect(fake.sent).toHaveLength(0);
    const waiting = await rt.store.listActions({ status: ["planned"] });
    expect(waiting.map((a) => a.statusReason)).toEqual([
      expect.stringContaining("template vencimento_hoje (pt_BR) is blocked: paused (PAUSED/FIRST_PAUSE)"),
      expect.stringContaining("template vencimento_hoje (pt_BR) is blocked: paused"),
    ]);

    expect((await evaluate()).opened).toEqual(["template_paused:wa/vencimento_hoje/pt_BR"]);
    await evaluate();
    await evaluate();
    expect(messagesOf("template_paused")).toMatchObject({
      subjects: ["[régua] FIRING (warning): Template vencimento_hoje (pt_BR) on wa is paused"],
      hooks: ["firing"],
    });

    fake.templateStatus("vencimento_hoje", "REINSTATED");
    await settle();
    const resumed = await rt.engine.dispatch({ limit: 50 });
    expect(resumed).toMatchObject({ sent: 2, failed: 0 });
    expect(sentTemplates()).toEqual(["vencimento_hoje", "vencimento_hoje"]);
    expect((await evaluate()).resolved).toEqual(["template_paused:wa/vencimento_hoje/pt_BR"]);
    await evaluate();
    expect(messagesOf("template_paused")).toMatchObject({
      subjects: [
        "[régua] FIRING (warning): Template vencimento_hoje (pt_BR) on wa is paused",
        "[régua] RESOLVED: Template vencimento_hoje (pt_BR) on wa is paused",
      ],
      hooks: ["firing", "resolved"],
    });
  });

  it("a step with a fallback template sends the fallback while its own is paused", async () => {
    clock.jumpTo("2026-03-13T12:00:00.000Z"); // d+3, Friday 09:00 in São Paulo
    await rt.engine.sync();
    fake.templateStatus("fatura_vencida", "PAUSED");
    await settle();
    await rt.engine.plan({ dryRun: false });
    expect(await rt.engine.dispatch({ limit: 50 })).toMatchObject({ sent: 2, failed: 0 });
    expect(sentTemplates().slice(2)).toEqual(["fatura_em_atraso", "fatura_em_atraso"]);
    expect((await evaluate()).opened).toEqual(["template_paused:wa/fatura_vencida/pt_BR"]);
    fake.templateStatus("fatura_vencida", "APPROVED");
    await settle();
    expect((await evaluate()).resolved).toEqual(["template_paused:wa/fatura_vencida/pt_BR"]);
    expect(messagesOf("template_paused").hooks).toEqual(["firing", "resolved", "firing", "resolved"]);
  });
});

describe("messaging tier dropped", () => {
  it("a DOWNGRADE caps the daily reach and raises channel_degraded once; an UPGRADE clears it", async () => {
    fake.qualityUpdate("DOWNGRADE", "TIER_250", "TIER_1K");
    await settle();
    expect(await rt.store.channelAccounts?.channelState("wa")).toMatchObject({
      degraded: true,
      limit: "TIER_250",
      dailyRecipients: 250,
    });
    expect((await evaluate()).opened).toEqual(["channel_degraded:wa"]);
    await evaluate();
    fake.qualityUpdate("UPGRADE", "TIER_1K", "TIER_250");
    await settle();
    expect((await evaluate()).resolved).toEqual(["channel_degraded:wa"]);
    expect(messagesOf("channel_degraded")).toMatchObject({
      subjects: [
        "[régua] FIRING (warning): Channel wa: quality DOWNGRADE",
        "[régua] RESOLVED: Channel wa: quality DOWNGRADE",
      ],
      hooks: ["firing", "resolved"],
    });
  });
});

describe("WhatsApp token expired", () => {
  it("the channel pauses on 190 (kept in the store), one FIRING; the token works again, sends resume, one RESOLVED", async () => {
    clock.jumpTo("2026-03-17T12:00:00.000Z"); // d+7
    await rt.engine.sync();
    await rt.engine.plan({ dryRun: false });
    fake.expireToken();
    const refused = await rt.engine.dispatch({ limit: 50 });
    expect(refused).toMatchObject({ sent: 0, failed: 0 });
    expect(await rt.store.channelAccounts?.channelState("wa")).toMatchObject({
      suspendedReason: expect.stringContaining("190"),
    });
    expect((await evaluate()).opened).toEqual(["channel_paused:wa"]);
    await evaluate();

    fake.restoreToken();
    clock.jumpTo("2026-03-17T12:02:00.000Z"); // past the next health probe
    expect(await rt.engine.dispatch({ limit: 50 })).toMatchObject({ sent: 2, failed: 0 });
    expect((await rt.store.channelAccounts?.channelState("wa"))?.suspendedReason).toBeNull();
    expect((await evaluate()).resolved).toEqual(["channel_paused:wa"]);
    await evaluate();
    expect(messagesOf("channel_paused")).toMatchObject({
      subjects: [
        "[régua] FIRING (critical): Channel wa paused: credentials refused",
        "[régua] RESOLVED: Channel wa paused: credentials refused",
      ],
      hooks: ["firing", "resolved"],
    });
  });
});

describe("template refused at send (132015) before Meta's webhook arrived", () => {
  it("the send waits instead of failing, and goes once the template is approved", async () => {
    fake.setWebhookUrl(undefined); // Meta's notifications are late: held until the URL is back
    fake.templateStatus("lembrete_final", "PAUSED");
    clock.jumpTo("2026-03-20T12:00:00.000Z"); // d+10
    await rt.engine.sync();
    await rt.engine.plan({ dryRun: false });
    const before = fake.sent.length;
    expect(await rt.engine.dispatch({ limit: 50 })).toMatchObject({ sent: 0, failed: 0, retried: 2 });
    const waiting = await rt.store.listActions({ status: ["planned"] });
    expect(waiting.map((a) => a.statusReason)).toEqual([
      expect.stringContaining("template lembrete_final (pt_BR) is blocked: paused (refused at send:"),
      expect.stringContaining("(#132015) Template is Paused"),
    ]);

    fake.setWebhookUrl(`${serverUrl}/webhooks/whatsapp/wa`);
    fake.templateStatus("lembrete_final", "APPROVED");
    await settle();
    expect(await rt.engine.dispatch({ limit: 50 })).toMatchObject({ sent: 2, failed: 0 });
    expect(fake.sent.slice(before).map((s) => (s.body.template as { name: string }).name)).toEqual([
      "lembrete_final",
      "lembrete_final",
    ]);
  });
});
