// The bot over the real SQLite store, the engine's routing, an in-memory ERP and channel.
import {
  type BotSettingsInput,
  BotSettingsSchema,
  type Channel,
  type ChannelEvent,
  type Connector,
  createEngine,
  type Engine,
  type OutboundMessage,
  silentLogger,
} from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import {
  createMemoryChannel,
  createMemoryConnector,
  createTestContext,
  JumpingClock,
  type MemoryChannel,
  type MemoryConnector,
  openPolicy,
} from "@regua/testkit";
import { extractText, getDocumentProxy } from "unpdf";
import { afterEach, describe, expect, it } from "vitest";
import { type Bot, createBot } from "../src/index.js";

const MARIA = "+5511987654321";
const STRANGER = "+5521912345678";
const CPF = "529.982.247-25";

interface Harness {
  erp: MemoryConnector;
  store: ReguaStore;
  engine: Engine;
  bot: Bot;
  channel: MemoryChannel;
  clock: JumpingClock;
  say(from: string, text: string, payload?: string): Promise<OutboundMessage[]>;
}

let open: Harness | null = null;
afterEach(async () => {
  await open?.store.close();
  open = null;
});

async function harness(settings: Partial<BotSettingsInput> = {}): Promise<Harness> {
  const clock = new JumpingClock("2026-03-10T12:00:00.000Z");
  const store = createSqliteStore({ file: ":memory:" });
  await store.migrate();
  const erp = createMemoryConnector({}, { clock });
  erp.upsert("customers", {
    externalId: "c1",
    name: "Maria Silva",
    taxId: "52998224725",
    taxIdKind: "cpf",
    phones: [MARIA],
    birthDate: "1984-07-21",
    postalCode: "89010-100",
  });
  for (const [n, due] of [
    [1, "2026-02-10"],
    [2, "2026-03-10"],
  ] as const) {
    erp.upsert("invoices", {
      externalId: `inv-${n}`,
      number: `NF-${n}`,
      customerRef: "c1",
      issueDate: "2026-01-10",
      dueDate: due,
      total: { amountMinor: 15_000 * n, currency: "BRL" },
      openAmount: { amountMinor: 15_000 * n, currency: "BRL" },
      status: "open",
      instruments: {
        boletoLine: `3419179001010435100479102015000829107002600${n}`,
        pixCode: null,
        payLink: null,
        documentUrl: null,
      },
    });
  }
  const channel = createMemoryChannel({ clock, capabilities: { interactive: true } });
  const ctx = (id: string) => createTestContext({ instanceId: id, clock });
  const connector = (await erp.definition.create({}, ctx("erp"))) as Connector;
  const channelInstance = (await channel.definition.create({}, ctx("wa"))) as Channel;
  const channels = new Map([["wa", channelInstance]]);
  let bot: Bot | null = null;
  const engine = createEngine({
    store,
    connectors: new Map([["erp", connector]]),
    channels,
    policy: openPolicy({
      steps: [{ id: "d30", offsetDays: 30, channel: "wa", template: { name: "cobranca" } }],
    }),
    clock,
    log: silentLogger,
    workerId: "test:1",
    conversations: store,
    onChannelEvent: (routed) => bot?.onChannelEvent(routed) ?? Promise.resolve(),
  });
  bot = createBot({
    settings: BotSettingsSchema.parse({ companyName: "Acme Telecom", ...settings }),
    conversations: store,
    store,
    erp: engine.erp,
    sources: ["erp"],
    channels,
    clock,
    log: silentLogger,
  });
  let counter = 0;
  const say = async (from: string, text: string, payload?: string) => {
    const before = channel.sent.length;
    counter += 1;
    const event: ChannelEvent = {
      kind: "inbound",
      eventId: `in-${counter}`,
      providerMessageId: `wamid.in.${counter}`,
      from,
      at: clock.now().toISOString(),
      text,
      payload: payload ?? null,
      intent: "other",
      replyTo: null,
    };
    const summary = await engine.handleChannelEvents("wa", [event]);
    expect(summary.failed).toBe(0);
    clock.advance(5_000);
    return channel.sent.slice(before).map((s) => s.message);
  };
  open = { erp, store, engine, bot, channel, clock, say };
  return open;
}

const shown = (messages: OutboundMessage[]) =>
  messages.map((m) => m.interactive?.body ?? m.text ?? `[${m.document?.filename}]`);

async function audits(store: ReguaStore, action: string) {
  const entries = await store.listAudit({ limit: 1000 });
  return entries.filter((a) => a.action === action).sort((a, b) => a.at.localeCompare(b.at));
}

const rowIds = (message: OutboundMessage | undefined) =>
  message?.interactive?.type === "list"
    ? message.interactive.sections.flatMap((s) => s.rows.map((r) => r.id))
    : (message?.interactive?.buttons.map((b) => b.id) ?? []);

async function pdfText(bytes: Uint8Array): Promise<string> {
  const pdf = await getDocumentProxy(new Uint8Array(bytes));
  const { text } = await extractText(pdf, { mergePages: true });
  return text;
}

describe("the self-service bot", () => {
  it("walks a registered number from CPF to barcode, boleto, statement and an operator", async () => {
    const h = await harness();
    expect(shown(await h.say(MARIA, "Oi"))).toEqual([
      expect.stringContaining("Acme Telecom"),
      expect.stringContaining("CPF ou CNPJ"),
    ]);
    const list = await h.say(MARIA, CPF);
    expect(list).toHaveLength(1);
    expect(rowIds(list[0])).toEqual(["regua-bot:inv:0", "regua-bot:inv:1"]);
    const conversation = await h.store.findOpenConversation("wa", MARIA);
    expect(conversation).toMatchObject({
      customerRef: "c1",
      customerName: "Maria Silva",
      taxId: "52998224725",
    });

    const menu = await h.say(MARIA, "NF-2", "regua-bot:inv:1");
    expect(shown(menu)[0]).toContain("Fatura NF-2");
    expect(rowIds(menu[0])).toContain("regua-bot:menu:barcode");

    const barcode = await h.say(MARIA, "Código de barras", "regua-bot:menu:barcode");
    expect(shown(barcode).slice(0, 2)).toEqual([
      "Linha digitável da fatura NF-2:",
      "34191790010104351004791020150008291070026002",
    ]);

    const boleto = await h.say(MARIA, "Boleto (PDF)", "regua-bot:menu:boleto");
    expect(boleto[0]?.document).toMatchObject({
      filename: "boleto-NF-2.pdf",
      upload: { mime: "application/pdf" },
    });

    const statement = await h.say(MARIA, "Extrato", "regua-bot:menu:statement");
    const pdf = statement[0]?.document?.upload?.bytes;
    expect(pdf).toBeDefined();
    const text = await pdfText(pdf!);
    expect(text).toContain("Acme Telecom");
    expect(text).toContain("Extrato de débitos");
    expect(text).toMatch(/NF-1[\s\S]*10\/02\/2026[\s\S]*150,00/);
    expect(text).toMatch(/NF-2[\s\S]*10\/03\/2026[\s\S]*300,00/);
    expect(text).toContain("450,00");
    expect(text).toContain("529.***.***-25");

    const handOff = await h.say(MARIA, "Falar com atendente", "regua-bot:menu:operator");
    expect(shown(handOff)).toEqual([expect.stringContaining("atendente")]);
    expect((await h.store.findOpenConversation("wa", MARIA))?.status).toBe("with_operator");
    // The operator has it now: the bot stays quiet.
    expect(await h.say(MARIA, "alô?")).toEqual([]);

    const messages = await h.store.listMessages(conversation!.id);
    expect(
      messages.filter((m) => m.author === "bot").every((m) => m.providerMessageId?.startsWith("mem-")),
    ).toBe(true);
    const lookups = (await audits(h.store, "bot.lookup")).map((a) => a.detail);
    expect(lookups).toEqual([
      expect.objectContaining({ taxId: "529.***.***-25", outcome: "answered", found: 1, phoneMatches: 1 }),
    ]);
  });

  it("never shows a CPF's debts to a number not registered for it", async () => {
    const h = await harness();
    await h.say(STRANGER, "Oi");
    const answer = await h.say(STRANGER, CPF);
    const everything = JSON.stringify(answer);
    expect(everything).not.toMatch(/NF-1|NF-2|Maria|150,00/);
    expect(shown(answer)[0]).toContain("telefone cadastrado");
    const conversation = await h.store.findOpenConversation("wa", STRANGER);
    expect(conversation).toMatchObject({ status: "with_operator", customerRef: null, taxId: null });
  });

  it("or after the tenant's second factor, checked against a fresh ERP read", async () => {
    const h = await harness({ secondFactor: "birth_date" });
    await h.say(STRANGER, "Oi");
    expect(shown(await h.say(STRANGER, CPF))[0]).toContain("data de nascimento");
    expect(shown(await h.say(STRANGER, "01/01/1990"))[0]).toContain("não conferem");
    const list = await h.say(STRANGER, "21/07/1984");
    expect(rowIds(list[0])).toEqual(["regua-bot:inv:0", "regua-bot:inv:1"]);
    const factors = (await audits(h.store, "bot.second_factor")).map((a) => a.detail.outcome);
    expect(factors).toEqual(["refused", "confirmed"]);
  });

  it("rate-limits lookups per number and audits the refusal", async () => {
    const h = await harness({ lookupsPerHour: 2, maxTries: 5 });
    await h.say(STRANGER, "Oi");
    await h.say(STRANGER, "11.222.333/0001-81");
    await h.say(STRANGER, "11.222.333/0001-81");
    expect(shown(await h.say(STRANGER, "11.222.333/0001-81"))[0]).toContain("Muitas consultas");
    const outcomes = (await audits(h.store, "bot.lookup")).map((a) => a.detail.outcome);
    expect(outcomes).toEqual(["answered", "answered", "rate_limited"]);
  });

  it("an ERP that fails the lookup gets an apology and no lost try; a missing agreement term is said so", async () => {
    const h = await harness();
    await h.say(MARIA, "Oi");
    h.erp.failNext(new Error("ERP down"));
    expect(shown(await h.say(MARIA, CPF))[0]).toContain("Não consegui consultar o sistema");
    const outcomes = (await audits(h.store, "bot.lookup")).map((a) => a.detail.outcome);
    expect(outcomes).toEqual(["failed"]);
    const list = await h.say(MARIA, CPF);
    expect(rowIds(list[0])).toHaveLength(2);
    await h.say(MARIA, "NF-1", "regua-bot:inv:0");
    // The in-memory ERP has no agreement terms.
    const agreement = await h.say(MARIA, "Termo de acordo", "regua-bot:menu:agreement");
    expect(shown(agreement)[0]).toBe("Esse documento não está disponível agora.");
  });

  it("restarts with another CPF, and closes a silent conversation with the closing message", async () => {
    const h = await harness({ idleMinutes: 30 });
    await h.say(MARIA, "Oi");
    await h.say(MARIA, CPF);
    await h.say(MARIA, "NF-1", "regua-bot:inv:0");
    expect(shown(await h.say(MARIA, "Consultar outro CPF", "regua-bot:menu:restart"))[0]).toContain("CPF");
    expect(await h.bot.closeIdle()).toBe(0);
    h.clock.advance(31 * 60_000);
    const before = h.channel.sent.length;
    expect(await h.bot.closeIdle()).toBe(1);
    expect(h.channel.sent.slice(before).map((s) => s.message.text)).toEqual([
      expect.stringContaining("Encerramos este atendimento"),
    ]);
    expect(await h.store.findOpenConversation("wa", MARIA)).toBeNull();
    // A new message opens a new conversation, welcomed again.
    expect(shown(await h.say(MARIA, "Oi de novo"))[0]).toContain("Acme Telecom");
  });
});
