// Inbound messages routed into conversations by the engine, on the real SQLite store: answers to
// dunning go to the operator queue with the message they answer, other messages start a receptive
// conversation for the bot, bot menu taps are not written back, statuses move message ticks.
import {
  type Channel,
  type ChannelEvent,
  type Connector,
  createEngine,
  type Engine,
  type RoutedChannelEvent,
  silentLogger,
} from "@regua/core";
import {
  createMemoryChannel,
  createMemoryConnector,
  createTestContext,
  JumpingClock,
  type MemoryConnector,
  openPolicy,
} from "@regua/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSqliteStore, type ReguaStore } from "../src/index.js";

const MARIA = "+5511987654321";
const STRANGER = "+5521912345678";
const NOW = "2026-03-10T12:00:00.000Z";

let clock: JumpingClock;
let store: ReguaStore;
let erp: MemoryConnector;
let engine: Engine;
let routed: RoutedChannelEvent[];
let counter = 0;

function inbound(
  from: string,
  text: string,
  fields: Partial<Extract<ChannelEvent, { kind: "inbound" }>> = {},
) {
  counter += 1;
  const event: ChannelEvent = {
    kind: "inbound",
    eventId: `in-${counter}`,
    providerMessageId: `wamid.in.${counter}`,
    from,
    at: clock.now().toISOString(),
    text,
    payload: null,
    intent: "other",
    replyTo: null,
    ...fields,
  };
  return event;
}

async function setup(options: { conversations: boolean }) {
  clock = new JumpingClock(NOW);
  store = createSqliteStore({ file: ":memory:" });
  await store.migrate();
  erp = createMemoryConnector({}, { clock });
  erp.upsert("customers", { externalId: "c1", name: "Maria Silva", phones: [MARIA], country: "BR" });
  erp.upsert("invoices", {
    externalId: "inv-1",
    number: "NF-1",
    customerRef: "c1",
    issueDate: "2026-02-01",
    dueDate: "2026-03-10",
    total: { amountMinor: 15_000, currency: "BRL" },
    openAmount: { amountMinor: 15_000, currency: "BRL" },
    status: "open",
  });
  const ctx = (id: string) => createTestContext({ instanceId: id, clock });
  const connector = (await erp.definition.create({}, ctx("erp"))) as Connector;
  const channel = (await createMemoryChannel({ clock }).definition.create({}, ctx("wa"))) as Channel;
  routed = [];
  engine = createEngine({
    store,
    connectors: new Map([["erp", connector]]),
    channels: new Map([["wa", channel]]),
    policy: openPolicy({
      steps: [{ id: "d0", offsetDays: 0, channel: "wa", template: { name: "vencimento_hoje" } }],
    }),
    clock,
    log: silentLogger,
    workerId: "test:1",
    ...(options.conversations
      ? {
          conversations: store,
          onChannelEvent: async (event: RoutedChannelEvent) => {
            routed.push(event);
          },
        }
      : {}),
  });
  await engine.sync();
  await engine.plan();
  await engine.dispatch();
}

/** What the engine wrote back to the ERP about the customer's messages, by subject. */
async function writtenSubjects(): Promise<string[]> {
  await engine.writeBack();
  return erp.activities.map((a) => a.activity.subject).filter((s) => s.startsWith("Customer"));
}

afterEach(async () => {
  await store?.close();
});

describe("inbound routing into conversations", () => {
  beforeEach(() => setup({ conversations: true }));

  it("a reply quoting a dunning message opens an active_reply conversation in the operator queue", async () => {
    const [sent] = await store.listActions({ status: ["sent"] });
    expect(sent?.providerMessageId).toBeTruthy();
    clock.advance(60 * 60_000);
    const reply = inbound(MARIA, "vou pagar sexta", {
      intent: "promise_to_pay",
      replyTo: sent!.providerMessageId,
    });
    expect((await engine.handleChannelEvents("wa", [reply])).applied).toBe(1);

    const conversation = await store.findOpenConversation("wa", MARIA);
    expect(conversation).toMatchObject({
      status: "with_operator",
      origin: "active_reply",
      source: "erp",
      customerRef: "c1",
      customerName: "Maria Silva",
      answered: { actionKey: sent!.key, providerMessageId: sent!.providerMessageId },
    });
    const messages = await store.listMessages(conversation!.id);
    expect(messages.map((m) => [m.direction, m.author, m.body])).toEqual([
      ["inbound", "customer", "vou pagar sexta"],
    ]);
    // The promise still holds dunning, as without conversations.
    expect((await store.getPause("erp", "c1"))?.kind).toBe("promise_to_pay");
    expect(await writtenSubjects()).toContain("Customer promised to pay");
    expect(routed.map((r) => r.kind === "inbound" && r.route)).toEqual(["active_reply"]);
  });

  it("a reply within the answer window answers the latest dunning message even without quoting it", async () => {
    clock.advance(48 * 60 * 60_000);
    await engine.handleChannelEvents("wa", [inbound(MARIA, "Já paguei ontem", { intent: "already_paid" })]);
    const conversation = await store.findOpenConversation("wa", MARIA);
    expect(conversation?.origin).toBe("active_reply");
    expect((await store.getPause("erp", "c1"))?.kind).toBe("awaiting_payment");
  });

  it("after the answer window the same customer starts a receptive conversation for the bot", async () => {
    clock.advance(73 * 60 * 60_000);
    await engine.handleChannelEvents("wa", [inbound(MARIA, "Oi")]);
    const conversation = await store.findOpenConversation("wa", MARIA);
    expect(conversation).toMatchObject({ status: "self_service", origin: "receptive", answered: null });
    // The start of a conversation is written back, once.
    expect((await writtenSubjects()).filter((s) => s === "Customer started a conversation")).toHaveLength(1);
  });

  it("an unknown number starts a receptive conversation; bot menu taps join it and are not written back", async () => {
    await engine.handleChannelEvents("wa", [inbound(STRANGER, "Olá, quero minha segunda via")]);
    const first = routed.at(-1);
    expect(first).toMatchObject({ kind: "inbound", route: "receptive" });
    const conversation = await store.findOpenConversation("wa", STRANGER);
    expect(conversation).toMatchObject({ status: "self_service", origin: "receptive", customerRef: null });

    // A tap whose title would read as "talk to a human" is a menu step, not an escalation.
    const tap = inbound(STRANGER, "Falar com atendente", { payload: "regua-bot:menu:operator" });
    await engine.handleChannelEvents("wa", [tap]);
    expect(routed.at(-1)).toMatchObject({ kind: "inbound", route: "continued" });
    const messages = await store.listMessages(conversation!.id);
    expect(messages.map((m) => [m.kind, m.body])).toEqual([
      ["text", "Olá, quero minha segunda via"],
      ["interactive", "Falar com atendente"],
    ]);
    expect(messages[1]?.payload).toMatchObject({ tapped: "regua-bot:menu:operator" });
    expect(await writtenSubjects()).toEqual([]);
  });

  it("in an open conversation a known customer's menu taps and CPF are not written back, a promise is", async () => {
    clock.advance(73 * 60 * 60_000);
    await engine.handleChannelEvents("wa", [inbound(MARIA, "Oi")]);
    await engine.handleChannelEvents("wa", [
      inbound(MARIA, "123.456.789-09"),
      inbound(MARIA, "Código de barras", { payload: "regua-bot:menu:barcode" }),
      inbound(MARIA, "vou pagar dia 20", { intent: "promise_to_pay" }),
    ]);
    expect(await writtenSubjects()).toEqual(["Customer started a conversation", "Customer promised to pay"]);
    expect(routed.filter((r) => r.kind === "inbound").map((r) => r.kind === "inbound" && r.route)).toEqual([
      "receptive",
      "continued",
      "continued",
      "continued",
    ]);
  });

  it("an opt-out opens no conversation", async () => {
    await engine.handleChannelEvents("wa", [inbound(STRANGER, "PARAR", { intent: "opt_out" })]);
    expect(await store.findOpenConversation("wa", STRANGER)).toBeNull();
    expect(await store.isOptedOut({ phone: STRANGER })).toBe(true);
  });

  it("statuses of conversation messages move their ticks and count as applied", async () => {
    await engine.handleChannelEvents("wa", [inbound(STRANGER, "Oi")]);
    const conversation = await store.findOpenConversation("wa", STRANGER);
    await store.appendMessage({
      conversationId: conversation!.id,
      direction: "outbound",
      kind: "text",
      author: "bot",
      body: "Olá! Informe seu CPF ou CNPJ.",
      providerMessageId: "wamid.bot.1",
      status: "pending",
      at: NOW,
    });
    const status = (status: "sent" | "delivered" | "read", n: number): ChannelEvent => ({
      kind: "status",
      eventId: `st-${n}`,
      providerMessageId: "wamid.bot.1",
      status,
      at: new Date(Date.parse(NOW) + n * 1000).toISOString(),
      actionKey: null,
      recipient: STRANGER,
      error: null,
      pricing: n === 1 ? { billable: false, category: "service", model: "PMP" } : null,
    });
    const summary = await engine.handleChannelEvents("wa", [
      status("sent", 1),
      status("read", 3),
      status("delivered", 2),
    ]);
    expect(summary).toMatchObject({ applied: 3, unmatched: 0 });
    const [, bot] = await store.listMessages(conversation!.id);
    expect(bot).toMatchObject({
      status: "read",
      pricing: { billable: false, category: "service", model: "PMP" },
    });
    expect(routed.filter((r) => r.kind === "status")).toHaveLength(3);
  });
});

describe("without conversations", () => {
  beforeEach(() => setup({ conversations: false }));

  it("inbound messages only act on dunning, as before", async () => {
    await engine.handleChannelEvents("wa", [inbound(STRANGER, "Oi")]);
    expect(await store.findOpenConversation("wa", STRANGER)).toBeNull();
    expect(routed).toEqual([]);
  });
});
