import { ManualClock, MemoryKeyValueState, type Operator, silentLogger } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { createMemoryChannel } from "@regua/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ConsoleDeps } from "../src/console/context.js";
import { nextOpening, withinBusinessHours } from "../src/console/hours.js";
import { ConversationFeed } from "../src/console/live.js";
import { ConsoleRouter, OUTSIDE_HOURS_NOTICE } from "../src/console/router.js";
import { ConsoleConfig } from "../src/console/schema.js";
import { axiosTransport } from "../src/context.js";
import { sendInConversation } from "../src/conversations/send.js";
import { recordingEngine } from "./helpers.js";

const HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
const HOURS = {
  timeZone: "America/Sao_Paulo",
  days: {
    mon: "08:00-18:00",
    tue: "08:00-18:00",
    wed: "08:00-18:00",
    thu: "08:00-18:00",
    fri: "08:00-17:00",
  },
};

describe("business hours", () => {
  const config = ConsoleConfig.parse({ businessHours: HOURS }).businessHours;
  it("open and closed by the local clock, with the next opening in Portuguese", () => {
    // Tuesday 2026-03-10 12:00 in São Paulo (UTC-3).
    expect(withinBusinessHours(config, new Date("2026-03-10T15:00:00Z"))).toBe(true);
    expect(withinBusinessHours(config, new Date("2026-03-10T21:00:00Z"))).toBe(false); // 18:00
    expect(withinBusinessHours(config, new Date("2026-03-10T10:59:00Z"))).toBe(false); // 07:59
    expect(nextOpening(config!, new Date("2026-03-10T10:59:00Z"))).toBe("hoje, 08:00");
    expect(nextOpening(config!, new Date("2026-03-10T21:00:00Z"))).toBe("amanhã, 08:00");
    // Friday 17:30: next is Monday.
    expect(nextOpening(config!, new Date("2026-03-13T20:30:00Z"))).toBe("segunda-feira, 08:00");
    expect(withinBusinessHours(undefined, new Date("2026-03-14T03:00:00Z"))).toBe(true);
  });
});

describe("routing conversations to operators", () => {
  let store: ReguaStore;
  let clock: ManualClock;
  let memory: ReturnType<typeof createMemoryChannel>;
  let deps: ConsoleDeps;
  let feed: ConversationFeed;

  const setup = async (configInput: Record<string, unknown>) => {
    const channel = await memory.definition.create(
      {},
      {
        instanceId: "wa",
        http: axiosTransport,
        clock,
        log: silentLogger,
        state: new MemoryKeyValueState(),
        signal: new AbortController().signal,
      },
    );
    deps = {
      store,
      engine: recordingEngine(),
      channels: [{ id: "wa", packageName: "@regua/testkit", instance: channel }],
      clock,
      log: silentLogger,
      config: ConsoleConfig.parse(configInput),
    };
    const channels = new Map([["wa", channel]]);
    return new ConsoleRouter(deps, async (conversation, text) => {
      await sendInConversation(
        { store, channels, clock },
        conversation,
        { kind: "text", text, payload: { notice: OUTSIDE_HOURS_NOTICE } },
        "console",
      );
    });
  };
  const operator = (id: string, available: boolean): Promise<Operator> =>
    store.operators
      .addOperator({
        id,
        name: id,
        email: `${id}@example.com`,
        role: "operator",
        whatsapp: true,
        passwordHash: HASH,
        at: clock.now().toISOString(),
      })
      .then(
        async () => (await store.operators.updateOperator(id, { available, at: clock.now().toISOString() }))!,
      );
  const debtorWrites = async (phone: string) => {
    const { conversation } = await store.openConversation({
      channel: "wa",
      phone,
      status: "with_operator",
      origin: "active_reply",
      source: "erp",
      customerRef: `c-${phone}`,
      at: clock.now().toISOString(),
    });
    await store.appendMessage({
      conversationId: conversation.id,
      direction: "inbound",
      kind: "text",
      author: "customer",
      body: "oi",
      status: "received",
      at: clock.now().toISOString(),
    });
    return conversation.id;
  };

  beforeEach(async () => {
    clock = new ManualClock("2026-03-10T15:00:00.000Z");
    store = createSqliteStore({ file: ":memory:" });
    await store.migrate();
    memory = createMemoryChannel({ clock });
    feed = new ConversationFeed(store, silentLogger, 50);
  });
  afterEach(async () => {
    feed.stop();
    await store.close();
  });

  it("gives waiting conversations only to available operators, the least loaded first, and writes them to the ERP outbox", async () => {
    const router = await setup({});
    await operator("ana", true);
    await operator("bia", false);
    const first = await debtorWrites("+5511987650001");
    const second = await debtorWrites("+5511987650002");
    await router.kick();
    expect((await store.getConversation(first))?.operatorId).toBe("ana");
    expect((await store.getConversation(second))?.operatorId).toBe("ana");

    await store.operators.updateOperator("bia", { available: true, at: clock.now().toISOString() });
    const third = await debtorWrites("+5511987650003");
    router.start(feed, 60_000);
    await expect.poll(async () => (await store.getConversation(third))?.operatorId).toBe("bia");
    await router.stop();
    const activities = await store.listActivities({ limit: 10 });
    expect(activities.map((a) => a.key).sort()).toEqual(
      [first, second, third].map((id) => `console:conversation:${id}`).sort(),
    );
    expect(activities.find((a) => a.key === `console:conversation:${third}`)?.activity).toMatchObject({
      customerRef: "c-+5511987650003",
      kind: "reply_received",
    });
  });

  it("outside business hours assigns nobody and tells the debtor once when someone will answer", async () => {
    clock.set("2026-03-10T23:30:00.000Z"); // Tuesday 20:30 in São Paulo
    const router = await setup({ businessHours: HOURS });
    await operator("ana", true);
    const id = await debtorWrites("+5511987650001");
    await router.kick();
    await router.kick();
    expect((await store.getConversation(id))?.operatorId).toBeNull();
    expect(memory.sent.map((s) => s.message.text)).toEqual([
      "Nosso atendimento está fechado agora. Um atendente responderá a partir de amanhã, 08:00.",
    ]);
    // The debtor writes again: told again; in the morning the conversation is assigned.
    clock.advance(60_000);
    await store.appendMessage({
      conversationId: id,
      direction: "inbound",
      kind: "text",
      author: "customer",
      body: "alô?",
      status: "received",
      at: clock.now().toISOString(),
    });
    await router.kick();
    expect(memory.sent).toHaveLength(2);
    clock.set("2026-03-11T11:00:00.000Z"); // Wednesday 08:00
    await router.kick();
    expect((await store.getConversation(id))?.operatorId).toBe("ana");
    expect(memory.sent).toHaveLength(2);
  });

  it("sends receptive conversations to operators when no self-service bot answers them", async () => {
    const receptive = async (phone: string) =>
      (
        await store.openConversation({
          channel: "wa",
          phone,
          status: "self_service",
          origin: "receptive",
          at: clock.now().toISOString(),
        })
      ).conversation.id;
    const withBot = await setup({});
    deps.selfServiceBot = true;
    await operator("ana", true);
    const first = await receptive("+5511987650001");
    await withBot.kick();
    expect((await store.getConversation(first))?.status).toBe("self_service");
    deps.selfServiceBot = false;
    await withBot.kick();
    expect(await store.getConversation(first)).toMatchObject({ status: "with_operator", operatorId: "ana" });
  });
});
