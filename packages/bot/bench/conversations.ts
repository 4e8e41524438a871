// Self-service bot benchmark (issue 14): 10,000 conversations open at once on SQLite and on
// PostgreSQL; for every inbound message, the time from the signed webhook's arrival (verify,
// parse, queue, apply, route, bot, replies accepted by the Graph API) minus the ERP's own time.
// Goal: p99 ≤ 50 ms. Run: pnpm --filter @regua/bot bench (BENCH_CONVERSATIONS to change the size;
// REGUA_TEST_PG_URL to use a running PostgreSQL instead of an embedded one).
// Erasable TS only: node runs it by type stripping.
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { type Bot, createBot } from "@regua/bot";
import { whatsappChannel } from "@regua/channel-whatsapp";
import {
  BotSettingsSchema,
  type Channel,
  type Connector,
  Customer,
  createEngine,
  type Engine,
  type ErpLookups,
  Invoice,
  type RawRequest,
  silentLogger,
  systemClock,
  withCpfCheckDigits,
} from "@regua/core";
import { createPostgresStore, createSqliteStore, type ReguaStore } from "@regua/store";
import { startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createTestContext, openPolicy } from "@regua/testkit";
import { startTestPostgres } from "../../store/test/support/postgres-server.ts";

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 10_000);
/** Conversations that walk on while all are open, and new numbers that write in. */
const SAMPLE = Number(process.env.BENCH_SAMPLE ?? 500);
const GOAL_MS = 50;
const APP_SECRET = "bench-app-secret";
const TOKEN = "bench-token";
const PHONE_NUMBER_ID = "106540352242922";
const SECRET = "bench-secret-key-0123456789";

const phoneOf = (i: number) => `+55119${String(80_000_000 + i).padStart(8, "0")}`;
const cpfOf = (i: number) => withCpfCheckDigits(String(100_000_000 + i * 7).slice(0, 9));

/**
 * The ERP: one customer per conversation, two open bills each, answered in-process from
 * indexes, so the ERP costs next to nothing (its time is left out of the figures anyway, but an
 * ERP that scans would still steal CPU from what is measured).
 */
function erpBook(): Connector {
  const customers: Customer[] = [];
  const invoices: Invoice[] = [];
  const byTaxId = new Map<string, Customer[]>();
  const byCustomer = new Map<string, Invoice[]>();
  for (let i = 0; i < CONVERSATIONS; i++) {
    const customer = Customer.parse({
      source: "erp",
      externalId: `c${i}`,
      name: `Cliente ${i}`,
      taxId: cpfOf(i),
      taxIdKind: "cpf",
      phones: [phoneOf(i)],
    });
    customers.push(customer);
    byTaxId.set(cpfOf(i), [customer]);
    const own = [1, 2].map((n) =>
      Invoice.parse({
        source: "erp",
        externalId: `i${i}-${n}`,
        number: `NF-${i}-${n}`,
        customerRef: `c${i}`,
        issueDate: "2026-01-10",
        dueDate: `2026-0${n + 1}-10`,
        total: { amountMinor: 10_000 * n, currency: "BRL" },
        openAmount: { amountMinor: 10_000 * n, currency: "BRL" },
        status: "open",
        instruments: {
          boletoLine: `3419179001010435100479102015000829107002${n}${String(i).padStart(4, "0")}`,
        },
      }),
    );
    invoices.push(...own);
    byCustomer.set(`c${i}`, own);
  }
  async function* pages<T>(items: T[]) {
    for (let at = 0; at < items.length; at += 1_000) {
      yield {
        items: items.slice(at, at + 1_000),
        cursor: at + 1_000 >= items.length ? null : String(at + 1_000),
      };
    }
  }
  return {
    capabilities: {
      payments: false,
      getInvoice: false,
      writeActivity: false,
      webhooks: false,
      lookups: true,
    },
    listCustomers: () => pages(customers),
    listInvoices: () => pages(invoices),
    findCustomersByTaxId: async (taxId) => byTaxId.get(taxId) ?? [],
    listOpenInvoices: async (customerRef) => byCustomer.get(customerRef) ?? [],
    healthCheck: async () => ({ ok: true, detail: "bench ERP" }),
    close: async () => {},
  };
}

/** Meta's webhook for one inbound message (text or a list tap), signed with the app secret. */
function webhook(from: string, id: string, content: Record<string, unknown>): RawRequest {
  const body = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "5511900000000", phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name: "Cliente" }, wa_id: from.slice(1) }],
              messages: [
                { from: from.slice(1), id, timestamp: String(Math.floor(Date.now() / 1000)), ...content },
              ],
            },
          },
        ],
      },
    ],
  });
  const rawBody = Buffer.from(body);
  const signature = createHmac("sha256", APP_SECRET).update(rawBody).digest("hex");
  return {
    method: "POST",
    path: "/webhooks/whatsapp/wa",
    headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${signature}` },
    query: {},
    rawBody,
  };
}

/**
 * The open conversations, as the bot leaves them after its welcome (asked for the CPF), written
 * straight to the store so the benchmark does not spend its time on 10,000 welcomes.
 */
async function seedOpenConversations(store: ReguaStore): Promise<void> {
  const at = new Date().toISOString();
  const open = async (i: number) => {
    const { conversation } = await store.openConversation({
      channel: "wa",
      phone: phoneOf(i),
      status: "self_service",
      origin: "receptive",
      at,
    });
    await store.appendMessage({
      conversationId: conversation.id,
      direction: "inbound",
      kind: "text",
      author: "customer",
      body: "Oi",
      providerMessageId: `wamid.seed.${i}`,
      status: "received",
      at,
    });
    await store.updateConversation(conversation.id, { botState: { step: "ask_tax_id", tries: 0 }, at });
  };
  for (let from = 0; from < CONVERSATIONS; from += 50) {
    await Promise.all(Array.from({ length: Math.min(50, CONVERSATIONS - from) }, (_, k) => open(from + k)));
  }
}

/** ERP calls timed, so a turn's figure can leave the ERP's own time out. */
function timedErp(erp: ErpLookups, spent: { ms: number; cpuMs: number }): ErpLookups {
  const timed =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      try {
        return await fn(...args);
      } finally {
        spent.ms += performance.now() - started;
        spent.cpuMs += cpuMs(process.cpuUsage(cpu));
      }
    };
  return {
    getDocument: timed(erp.getDocument),
    findCustomersByTaxId: timed(erp.findCustomersByTaxId),
    listOpenInvoices: timed(erp.listOpenInvoices),
  };
}

function cpuMs(usage: { user: number; system: number }): number {
  return (usage.user + usage.system) / 1000;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function run(name: string, store: ReguaStore): Promise<void> {
  const connector = erpBook();
  const fake = await startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    statusWebhooks: false,
    ratePerSecond: 1_000_000,
  });
  const ctx = (id: string) => createTestContext({ instanceId: id, state: store.state(id) });
  const options = whatsappChannel.optionsSchema.parse({
    phoneNumberId: PHONE_NUMBER_ID,
    token: TOKEN,
    appSecret: APP_SECRET,
    baseUrl: fake.url,
    tier: "upgraded",
  });
  const channel = (await whatsappChannel.create(options, ctx("wa"))) as Channel;
  const channels = new Map([["wa", channel]]);
  let bot: Bot | null = null;
  const engine: Engine = createEngine({
    store,
    connectors: new Map([["erp", connector]]),
    channels,
    policy: openPolicy({
      steps: [{ id: "d30", offsetDays: 30, channel: "wa", template: { name: "cobranca" } }],
    }),
    clock: systemClock,
    log: silentLogger,
    workerId: "bench:1",
    conversations: store,
    onChannelEvent: (routed) => bot?.onChannelEvent(routed) ?? Promise.resolve(),
  });
  const erpSpent = { ms: 0, cpuMs: 0 };
  bot = createBot({
    settings: BotSettingsSchema.parse({ companyName: "Acme Telecom", lookupsPerHour: 100 }),
    conversations: store,
    store,
    erp: timedErp(engine.erp, erpSpent),
    sources: ["erp"],
    channels,
    clock: systemClock,
    log: silentLogger,
  });
  const synced = performance.now();
  await engine.sync();
  console.log(
    `${name}: synced ${CONVERSATIONS} customers in ${((performance.now() - synced) / 1000).toFixed(1)} s`,
  );

  await seedOpenConversations(store);
  console.log(`${name}: ${CONVERSATIONS} self-service conversations open`);

  const latencies: number[] = [];
  const cpuTimes: number[] = [];
  let sequence = 0;
  /** One inbound message, the way the runner's webhook route and worker handle it. */
  const deliver = async (i: number, content: Record<string, unknown>) => {
    const request = webhook(phoneOf(i), `wamid.bench.${++sequence}`, content);
    const erpBefore = { ...erpSpent };
    const sentBefore = fake.sent.length;
    const cpu = process.cpuUsage();
    const started = performance.now();
    if (!channel.webhook?.verify(request)) throw new Error("signature refused");
    const events = channel.webhook.parse(request);
    await engine.enqueueChannelEvents("wa", events, request.rawBody.toString("utf8"));
    const applied = await engine.applyWebhookQueue();
    const elapsed = performance.now() - started - (erpSpent.ms - erpBefore.ms);
    if (applied.summary.failed > 0 || fake.sent.length === sentBefore) throw new Error(`no reply to ${i}`);
    latencies.push(elapsed);
    // This process's CPU for the message (the fake Graph API's included), the ERP's left out.
    cpuTimes.push(cpuMs(process.cpuUsage(cpu)) - (erpSpent.cpuMs - erpBefore.cpuMs));
  };
  const list = (id: string) => ({
    type: "interactive",
    interactive: { type: "list_reply", list_reply: { id, title: "x" } },
  });
  const steps: [string, (i: number) => Record<string, unknown>][] = [
    ["CPF → list", (i) => ({ type: "text", text: { body: cpfOf(i) } })],
    ["bill → menu", () => list("regua-bot:inv:0")],
    ["barcode", () => list("regua-bot:menu:barcode")],
  ];
  // A sample spread over the open conversations walks on (step by step across the sample, so
  // the messages interleave as real traffic does), and as many new numbers write in.
  const stride = Math.max(1, Math.floor(CONVERSATIONS / SAMPLE));
  const sample = Array.from({ length: Math.min(SAMPLE, CONVERSATIONS) }, (_, k) => k * stride);
  const started = performance.now();
  for (const [, content] of steps) for (const i of sample) await deliver(i, content(i));
  for (let k = 0; k < sample.length; k++) {
    await deliver(CONVERSATIONS + k, { type: "text", text: { body: "Oi" } });
  }
  const seconds = (performance.now() - started) / 1000;
  const open = await store.listConversations({ status: ["self_service"], limit: 500 });
  if (open.items.length < 500) throw new Error("conversations were not left open");
  latencies.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  console.log(
    `${name}: ${latencies.length} messages with ${CONVERSATIONS} conversations open, ${(latencies.length / seconds).toFixed(0)} msg/s, ` +
      `ERP time left out ${(erpSpent.ms / 1000).toFixed(1)} s, p50 ${p50.toFixed(1)} ms`,
  );
  const [load] = loadavg();
  console.log(
    `${name}: CPU per message p50 ${percentile(cpuTimes, 50).toFixed(1)} ms, p99 ${percentile(cpuTimes, 99).toFixed(1)} ms ` +
      `(load average ${load?.toFixed(1)} on ${availableParallelism()} CPUs while measured)`,
  );
  const ok = p99 <= GOAL_MS;
  console.log(
    `bot ${name}: inbound webhook → bot reply p99 ${p99.toFixed(1)} ms (goal ≤ ${GOAL_MS} ms) ${ok ? "ok" : "MISSED"}`,
  );
  await fake.close();
}

const dir = mkdtempSync(join(tmpdir(), "regua-bench-bot-"));
try {
  const sqlite = createSqliteStore({ file: join(dir, "bot.db"), secretKey: SECRET });
  await sqlite.migrate();
  await run("SQLite", sqlite);
  await sqlite.close();

  const server = await startTestPostgres();
  const postgres = createPostgresStore({
    connectionString: await server.createDatabase(),
    poolSize: 4,
    secretKey: SECRET,
  });
  await postgres.migrate();
  try {
    await run("PostgreSQL", postgres);
  } finally {
    await postgres.close();
    await server.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
