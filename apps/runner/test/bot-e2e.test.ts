import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ConversationStore, MemoryKeyValueState, silentLogger } from "@regua/core";
import { type FakeGraphApi, type SentMessage, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createMemoryConnector } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { extractText, getDocumentProxy } from "unpdf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { botCrons } from "../src/bot.js";
import { parseConfig } from "../src/config.js";
import { DemoClock } from "../src/demo/clock.js";
import { openRuntime, type Runtime } from "../src/runtime.js";
import { createWebhookWorker, type WebhookWorker } from "../src/server/worker.js";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN } from "./helpers.js";

/**
 * The self-service bot end to end (issue 14's "done when"): `regua serve` with the `bot:` section,
 * @regua/channel-whatsapp loaded by package name, the fake Graph API. A debtor writes and taps as
 * on a phone: the fake posts Meta-shaped inbound webhooks (text, list_reply, button_reply) signed
 * with the app secret, the runner verifies, queues and applies them, the bot answers through the
 * Graph API, and the fake validates every reply against Meta's description. Webhooks are caught by
 * a relay and posted one delivery at a time, so each step is observable.
 */
const TOKEN = "EAAG-bot-e2e-token";
const APP_SECRET = "bot-e2e-app-secret";
const PHONE_NUMBER_ID = "106540352242922";
const MARIA = "+5511987654321";
const STRANGER = "+5521912345678";
const MARIA_CPF = "529.982.247-25";

interface Caught {
  headers: Record<string, string>;
  body: Buffer;
  json: { entry: { changes: { value: { statuses?: unknown[]; messages?: { from: string }[] } }[] }[] };
}

const clock = new DemoClock("2026-03-10T12:00:00.000Z");
const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
let fake: FakeGraphApi;
let relay: Server;
let rt: Runtime;
let app: FastifyInstance;
let serverUrl = "";
let worker: WebhookWorker;
const caught: Caught[] = [];

erp.upsert("customers", {
  externalId: "c1",
  name: "Maria Silva",
  taxId: "52998224725",
  taxIdKind: "cpf",
  phones: [MARIA],
  country: "BR",
});
for (const [n, due] of [
  [1, "2026-02-10"],
  [2, "2026-03-05"],
] as const) {
  erp.upsert("invoices", {
    externalId: `inv-${n}`,
    number: `NF-100${n}`,
    customerRef: "c1",
    issueDate: "2026-01-10",
    dueDate: due,
    total: { amountMinor: 12_345 * n, currency: "BRL" },
    openAmount: { amountMinor: 12_345 * n, currency: "BRL" },
    status: "open",
    instruments: {
      boletoLine: `3419179001010435100479102015000829107002600${n}`,
      pixCode: null,
      payLink: null,
      documentUrl: null,
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
    templates: [{ name: "cobranca", language: "pt_BR", body: "{{1}}, sua fatura venceu." }],
    clockSpeed: 200,
    duplicateRate: 0,
    outOfOrderRate: 0,
    seed: 14,
    now: () => clock.now(),
  });

  const dir = mkdtempSync(path.join(tmpdir(), "regua-bot-e2e-"));
  writeFileSync(
    path.join(dir, "policy.yaml"),
    `version: 1
timezone: America/Sao_Paulo
steps:
  - { id: d30, offsetDays: 30, channel: wa, template: { name: cobranca, language: pt_BR }, variables: { "1": customer.firstName } }
`,
  );
  const config = parseConfig(
    `
store: { sqlite: ./regua.db }
secretKey: bot-e2e-secret-key-0123456789
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "${PHONE_NUMBER_ID}", token: ${TOKEN}, appSecret: ${APP_SECRET}, baseUrl: "${fake.url}" }
policy: ./policy.yaml
server: { port: 0, host: 127.0.0.1 }
bot:
  companyName: Acme Telecom
  negotiationUrl: "https://acme.example/negociar?doc={taxId}"
`,
    path.join(dir, "regua.yaml"),
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
  await rt.engine.sync();
}, 60_000);

afterAll(async () => {
  await app?.close();
  await worker?.stop();
  await rt?.close();
  await fake?.close();
  relay?.close();
});

const conversations = () => rt.store as unknown as ConversationStore;

async function post(hook: Pick<Caught, "headers" | "body">) {
  const response = await fetch(`${serverUrl}/webhooks/whatsapp/wa`, {
    method: "POST",
    headers: hook.headers,
    body: hook.body,
  });
  await worker.drain();
  return response;
}

/**
 * Posts the inbound webhooks the fake sent since `mark` (the customer's message), as Meta would,
 * and returns what the bot sent back through the Graph API.
 */
async function deliver(act: () => string): Promise<SentMessage[]> {
  const before = fake.sent.length;
  const wamid = act();
  await fake.idle();
  const inbound = caught.filter((hook) => hook.body.toString("utf8").includes(`"id":"${wamid}"`));
  expect(inbound, "the fake posted the customer's message").toHaveLength(1);
  expect((await post(inbound[0]!)).status).toBe(200);
  return fake.sent.slice(before);
}

const says = (from: string, text: string) => deliver(() => fake.reply(from, text));

function tap(from: string, message: SentMessage | undefined, id: string) {
  const interactive = message?.body.interactive as
    | {
        type: string;
        action: {
          sections?: { rows: { id: string; title: string }[] }[];
          buttons?: { reply: { id: string; title: string } }[];
        };
      }
    | undefined;
  const rows = interactive?.action.sections?.flatMap((s) => s.rows) ?? [];
  const buttons = interactive?.action.buttons?.map((b) => b.reply) ?? [];
  const row = rows.find((r) => r.id === id);
  const button = buttons.find((b) => b.id === id);
  if (!message || (!row && !button)) throw new Error(`no option ${id} in the last message`);
  return deliver(() =>
    fake.tap(
      from,
      row
        ? { type: "list_reply", id: row.id, title: row.title }
        : { type: "button_reply", id, title: button!.title },
      { context: message.id },
    ),
  );
}

const textOf = (message: SentMessage | undefined) => {
  const body = message?.body as
    | { text?: { body: string }; interactive?: { body: { text: string } } }
    | undefined;
  return body?.text?.body ?? body?.interactive?.body.text ?? "";
};

const optionIds = (message: SentMessage | undefined) => {
  const interactive = message?.body.interactive as
    | { action: { sections?: { rows: { id: string }[] }[]; buttons?: { reply: { id: string } }[] } }
    | undefined;
  return [
    ...(interactive?.action.sections?.flatMap((s) => s.rows.map((r) => r.id)) ?? []),
    ...(interactive?.action.buttons?.map((b) => b.reply.id) ?? []),
  ];
};

async function pdfText(bytes: Buffer): Promise<string> {
  const { text } = await extractText(await getDocumentProxy(new Uint8Array(bytes)), { mergePages: true });
  return text;
}

describe("the self-service bot through the fake Graph API's webhooks", () => {
  let lastList: SentMessage | undefined;
  let menu: SentMessage | undefined;

  it("welcomes a debtor writing in and asks for the CPF/CNPJ", async () => {
    const replies = await says(MARIA, "Boa tarde");
    expect(replies.map((m) => m.type)).toEqual(["text", "text"]);
    expect(textOf(replies[0])).toContain("Acme Telecom");
    expect(textOf(replies[1])).toContain("CPF ou CNPJ");
    const conversation = await conversations().findOpenConversation("wa", MARIA);
    expect(conversation).toMatchObject({ status: "self_service", origin: "receptive" });
  });

  it("looks the CPF up and lists the open invoices fresh from the ERP as an interactive list", async () => {
    const replies = await says(MARIA, MARIA_CPF);
    expect(replies).toHaveLength(1);
    lastList = replies[0];
    expect(lastList?.type).toBe("interactive");
    expect(lastList?.body.interactive).toMatchObject({ type: "list", action: { button: "Ver faturas" } });
    expect(optionIds(lastList)).toEqual(["regua-bot:inv:0", "regua-bot:inv:1"]);
    expect(JSON.stringify(lastList?.body)).toContain("NF-1001");
  });

  it("a tapped bill opens the menu; the barcode line comes as its own message", async () => {
    [menu] = await tap(MARIA, lastList, "regua-bot:inv:1");
    expect(textOf(menu)).toContain("Fatura NF-1002");
    expect(optionIds(menu)).toContain("regua-bot:menu:barcode");
    const replies = await tap(MARIA, menu, "regua-bot:menu:barcode");
    expect(replies.map(textOf).slice(0, 2)).toEqual([
      "Linha digitável da fatura NF-1002:",
      "34191790010104351004791020150008291070026002",
    ]);
    menu = replies.at(-1);
  });

  it("sends the boleto PDF, uploaded to the Graph API and sent by its media id", async () => {
    const uploads = fake.media.length;
    const replies = await tap(MARIA, menu, "regua-bot:menu:boleto");
    const document = replies[0]?.body.document as { id: string; filename: string };
    expect(replies[0]?.type).toBe("document");
    expect(document.filename).toBe("boleto-NF-1002.pdf");
    expect(fake.media.slice(uploads).map((m) => m.id)).toEqual([document.id]);
    expect(fake.media.at(-1)?.bytes.subarray(0, 5).toString()).toBe("%PDF-");
    menu = replies.at(-1);
  });

  it("sends the debt statement PDF with the company's name and every open title", async () => {
    const replies = await tap(MARIA, menu, "regua-bot:menu:statement");
    const document = replies[0]?.body.document as { id: string; caption: string };
    expect(document.caption).toBe("Extrato de débitos de Maria Silva");
    const uploaded = fake.media.find((m) => m.id === document.id);
    const text = await pdfText(uploaded!.bytes);
    expect(text).toContain("Acme Telecom");
    expect(text).toMatch(/NF-1001[\s\S]*10\/02\/2026[\s\S]*123,45/);
    expect(text).toMatch(/NF-1002[\s\S]*05\/03\/2026[\s\S]*246,90/);
    expect(text).toContain("370,35");
    menu = replies.at(-1);
  });

  it("restarts with another query, then hands the conversation to an operator", async () => {
    const restarted = await tap(MARIA, menu, "regua-bot:menu:restart");
    expect(textOf(restarted[0])).toContain("CPF ou CNPJ");
    const [list] = await says(MARIA, "52998224725");
    expect(optionIds(list)).toHaveLength(2);
    const [chosen] = await tap(MARIA, list, "regua-bot:inv:0");
    const handOff = await tap(MARIA, chosen, "regua-bot:menu:operator");
    expect(textOf(handOff[0])).toContain("atendente");
    const conversation = await conversations().findOpenConversation("wa", MARIA);
    expect(conversation).toMatchObject({ status: "with_operator", customerRef: "c1", taxId: "52998224725" });
    // The operator has it: the bot says nothing more.
    expect(await says(MARIA, "Obrigada")).toEqual([]);
  });

  it("a number not registered for that CPF gets no details, only an operator", async () => {
    await says(STRANGER, "Oi");
    const replies = await says(STRANGER, MARIA_CPF);
    const everything = JSON.stringify(replies.map((m) => m.body));
    expect(everything).not.toMatch(/NF-100|Maria|123,45|3419179/);
    expect(textOf(replies[0])).toContain("telefone cadastrado");
    const conversation = await conversations().findOpenConversation("wa", STRANGER);
    expect(conversation).toMatchObject({ status: "with_operator", customerRef: null });
  });

  it("status webhooks move the bot messages' ticks; menu taps were not written back to the ERP", async () => {
    await fake.idle();
    const statuses = caught.filter((hook) => hook.json.entry[0]?.changes[0]?.value.statuses);
    expect(statuses.length).toBeGreaterThan(0);
    for (const hook of statuses) expect((await post(hook)).status).toBe(200);
    const conversation = (await conversations().listConversations({ search: "5511987654321" })).items[0];
    const bot = (await conversations().listMessages(conversation!.id)).filter((m) => m.author === "bot");
    expect(bot.length).toBeGreaterThan(10);
    expect(bot.every((m) => m.status === "read")).toBe(true);

    await rt.engine.writeBack();
    const subjects = erp.activities.map((a) => a.activity.subject);
    expect(subjects).toEqual(["Customer started a conversation"]);
  });
});

describe("bot: in regua.yaml", () => {
  const configFor = (bot: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-bot-config-"));
    writeFileSync(
      path.join(dir, "policy.yaml"),
      "version: 1\ntimezone: America/Sao_Paulo\nsteps:\n  - { id: d1, offsetDays: 1, channel: wa, template: { name: cobranca } }\n",
    );
    return parseConfig(
      `
store: { sqlite: ./regua.db }
secretKey: bot-e2e-secret-key-0123456789
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels: [{ id: wa, channel: "@acme/channel-memory" }]
policy: ./policy.yaml
bot: ${bot}
`,
      path.join(dir, "regua.yaml"),
    );
  };
  const open = async (bot: string, lookups: boolean) => {
    const connector = createMemoryConnector({}, { capabilities: { lookups } });
    const { createMemoryChannel } = await import("@regua/testkit");
    const channel = createMemoryChannel();
    return openRuntime(configFor(bot), {
      log: silentLogger,
      clock,
      signal: new AbortController().signal,
      importer: async (name) => ({
        default: name === "@acme/connector-memory" ? connector.definition : channel.definition,
      }),
    });
  };

  it("is refused at start when no source can look a CPF up, or it names an unknown one", async () => {
    await expect(open("{ companyName: Acme }", false)).rejects.toThrow(/bot\.sources: no source declares/);
    await expect(open("{ companyName: Acme, sources: [nope] }", true)).rejects.toThrow(/no source "nope"/);
    await expect(open("{ companyName: Acme, channels: [sms] }", true)).rejects.toThrow(/no channel "sms"/);
    const runtime = await open("{ companyName: Acme, language: es }", true);
    expect(runtime.bot).not.toBeNull();
    await runtime.close();
  });

  it("checks its settings with the file's line", () => {
    expect(() => configFor("{ companyName: Acme, secondFactor: cpf }")).toThrow(
      /regua\.yaml:\d+:\d+.*bot\.secondFactor/,
    );
    expect(() => configFor("{ language: pt-BR }")).toThrow(/bot\.companyName/);
  });
});

describe("bot: idle close under regua serve and regua run", () => {
  it("runs every minute on one runner at a time (a lease in the store)", async () => {
    const state = new MemoryKeyValueState(clock);
    const closed: string[] = [];
    const runner = (workerId: string) =>
      ({
        bot: {
          onChannelEvent: async () => {},
          closeIdle: async () => {
            closed.push(workerId);
            return 1;
          },
        },
        store: { state: () => state },
        workerId,
      }) as unknown as Runtime;
    const results: unknown[] = [];
    const job = (_name: string, fn: () => Promise<unknown>) => async () => {
      results.push(await fn());
    };
    // Two runners on one store (one after the other here: croner names jobs per process).
    for (const workerId of ["a:1", "b:2"]) {
      const crons = botCrons(runner(workerId), job);
      try {
        expect(crons.map((c) => c.getPattern())).toEqual(["* * * * *"]);
        await crons[0]?.trigger();
      } finally {
        for (const cron of crons) cron.stop();
      }
    }
    expect(closed).toEqual(["a:1"]);
    expect(results).toEqual([{ closed: 1 }, { skipped: "another runner" }]);
    const none = { ...runner("c:3"), bot: null } as unknown as Runtime;
    expect(botCrons(none, job)).toEqual([]);
  });
});
