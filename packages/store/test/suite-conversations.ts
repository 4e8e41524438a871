import type { Conversation, ConversationChange, NewConversation } from "@regua/core";
import { expect, it } from "vitest";
import type { StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const T0 = "2026-03-10T12:00:00.000Z";
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();

const receptive = (phone: string, overrides: Partial<NewConversation> = {}): NewConversation => ({
  channel: "wa",
  phone,
  status: "self_service",
  origin: "receptive",
  botState: { step: "welcome" },
  at: T0,
  ...overrides,
});

/** Conversations, their messages, ticks, the queue queries, the change feed and retention (issue 14). */
export function conversationTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("opens one conversation per number until it closes, even when two callers race", async () => {
    const [a, b] = await Promise.all([
      store().openConversation(receptive("+5511987650001")),
      store().openConversation(receptive("+5511987650001", { at: at(1) })),
    ]);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    expect(a.conversation.id).toBe(b.conversation.id);
    expect(a.conversation).toMatchObject({
      channel: "wa",
      phone: "+5511987650001",
      status: "self_service",
      origin: "receptive",
      operatorId: null,
      botState: { step: "welcome" },
      closedAt: null,
      version: 1,
    });
    expect(await store().findOpenConversation("wa", "+5511987650001")).toMatchObject({
      id: a.conversation.id,
    });
    expect(await store().findOpenConversation("other", "+5511987650001")).toBeNull();

    await store().updateConversation(a.conversation.id, {
      status: "closed",
      closingReason: "timeout",
      at: at(30),
    });
    expect(await store().findOpenConversation("wa", "+5511987650001")).toBeNull();
    const again = await store().openConversation(receptive("+5511987650001", { at: at(40) }));
    expect(again.created).toBe(true);
    expect(again.conversation.id).not.toBe(a.conversation.id);
    expect(await store().getConversation(a.conversation.id)).toMatchObject({
      status: "closed",
      closedAt: at(30),
      closingReason: "timeout",
    });
  });

  it("updates under a version check and keeps the bot's state and the answered message", async () => {
    const { conversation } = await store().openConversation(
      receptive("+5511987650002", {
        origin: "active_reply",
        status: "with_operator",
        answered: { actionKey: "k1", providerMessageId: "wamid.A", preview: "Sua fatura venceu" },
      }),
    );
    const moved = await store().updateConversation(
      conversation.id,
      {
        botState: { step: "menu", tries: 2 },
        customerRef: "C1",
        source: "erp",
        taxId: "52998224725",
        at: at(1),
      },
      conversation.version,
    );
    expect(moved).toMatchObject({ version: 2, botState: { step: "menu", tries: 2 }, customerRef: "C1" });
    expect(moved?.answered).toEqual({
      actionKey: "k1",
      providerMessageId: "wamid.A",
      preview: "Sua fatura venceu",
    });
    // A stale writer loses.
    expect(await store().updateConversation(conversation.id, { operatorId: "op1", at: at(2) }, 1)).toBeNull();
    expect(
      await store().updateConversation(conversation.id, { operatorId: "op1", at: at(2) }, 2),
    ).toMatchObject({
      operatorId: "op1",
      version: 3,
    });
  });

  it("appends messages in order, once per provider id, and moves the service window", async () => {
    const { conversation } = await store().openConversation(receptive("+5511987650003"));
    const inbound = {
      conversationId: conversation.id,
      direction: "inbound" as const,
      kind: "text" as const,
      author: "customer",
      body: "oi",
      providerMessageId: "wamid.in1",
      status: "received" as const,
      at: at(1),
    };
    expect((await store().appendMessage(inbound)).created).toBe(true);
    const again = await store().appendMessage({ ...inbound, body: "duplicate delivery" });
    expect(again).toMatchObject({ created: false, message: { body: "oi" } });
    await store().appendMessage({
      conversationId: conversation.id,
      direction: "outbound",
      kind: "interactive",
      author: "bot",
      body: "Escolha uma fatura",
      payload: { type: "list", rows: [{ id: "inv:1", title: "NF 1" }] },
      providerMessageId: "wamid.out1",
      status: "sent",
      at: at(2),
    });
    await store().appendMessage({
      conversationId: conversation.id,
      direction: "outbound",
      kind: "document",
      author: "bot",
      body: "Boleto",
      document: { filename: "boleto.pdf", mime: "application/pdf", mediaId: "m1" },
      status: "pending",
      at: at(3),
    });
    const list = await store().listMessages(conversation.id);
    expect(list.map((m) => [m.direction, m.kind, m.body])).toEqual([
      ["inbound", "text", "oi"],
      ["outbound", "interactive", "Escolha uma fatura"],
      ["outbound", "document", "Boleto"],
    ]);
    expect(list[1]?.payload).toEqual({ type: "list", rows: [{ id: "inv:1", title: "NF 1" }] });
    expect(list[2]?.document).toEqual({ filename: "boleto.pdf", mime: "application/pdf", mediaId: "m1" });
    expect(await store().listMessages(conversation.id, { afterId: list[1]?.id ?? 0 })).toHaveLength(1);
    expect(await store().getConversation(conversation.id)).toMatchObject({
      lastInboundAt: at(1),
      lastMessageAt: at(3),
    });
  });

  it("moves delivery ticks forward only and records the status's pricing", async () => {
    const { conversation } = await store().openConversation(receptive("+5511987650004"));
    await store().appendMessage({
      conversationId: conversation.id,
      direction: "outbound",
      kind: "text",
      author: "bot",
      body: "Olá",
      providerMessageId: "wamid.t1",
      status: "sent",
      at: at(1),
    });
    const tick = (status: "sent" | "delivered" | "read" | "failed", minute: number) =>
      store().updateMessageStatus({ channel: "wa", providerMessageId: "wamid.t1", status, at: at(minute) });
    const pricing = { billable: true, category: "service", model: "PMP" };
    const delivered = await store().updateMessageStatus({
      channel: "wa",
      providerMessageId: "wamid.t1",
      status: "delivered",
      at: at(2),
      pricing,
    });
    expect(delivered).toMatchObject({ status: "delivered", statusAt: at(2), pricing });
    expect(await tick("read", 3)).toMatchObject({ status: "read", statusAt: at(3) });
    expect(await tick("delivered", 4)).toMatchObject({ status: "read", statusAt: at(3) });
    expect(await tick("failed", 5)).toMatchObject({ status: "read" });
    expect(
      await store().updateMessageStatus({
        channel: "wa",
        providerMessageId: "wamid.none",
        status: "read",
        at: T0,
      }),
    ).toBeNull();
  });

  it("settles a pending outbound message with the provider's id or its error, once", async () => {
    const { conversation } = await store().openConversation(receptive("+5511987650005"));
    const pending = (body: string) =>
      store().appendMessage({
        conversationId: conversation.id,
        direction: "outbound",
        kind: "text",
        author: "operator:ana",
        body,
        status: "pending",
        at: at(1),
      });
    const seen: string[] = [];
    const stop = store().watchConversations((change) => seen.push(`${change.kind}:${change.messageId}`));
    const { message: first } = await pending("Bom dia");
    const sent = await store().settleOutboundMessage(first.id, { providerMessageId: "wamid.s1", at: at(2) });
    expect(sent).toMatchObject({ status: "sent", providerMessageId: "wamid.s1", statusAt: at(2) });
    // Status webhooks find it by the provider's id now.
    expect(
      await store().updateMessageStatus({
        channel: "wa",
        providerMessageId: "wamid.s1",
        status: "read",
        at: at(3),
      }),
    ).toMatchObject({ id: first.id, status: "read" });
    // Settling again changes nothing.
    expect(await store().settleOutboundMessage(first.id, { error: "late", at: at(4) })).toMatchObject({
      status: "read",
      error: null,
    });
    const { message: second } = await pending("Segue o boleto");
    expect(
      await store().settleOutboundMessage(second.id, { error: "131047: Re-engagement message", at: at(2) }),
    ).toMatchObject({ status: "failed", error: "131047: Re-engagement message", providerMessageId: null });
    expect(await store().settleOutboundMessage(second.id + 100, { error: "x", at: at(2) })).toBeNull();
    stop();
    expect(seen).toEqual([
      `message:${first.id}`,
      `message:${first.id}`,
      `message:${first.id}`,
      `message:${second.id}`,
      `message:${second.id}`,
    ]);
  });

  it("lists the queue by status, operator, date and search, newest first, in pages", async () => {
    const made: Conversation[] = [];
    for (let i = 0; i < 7; i++) {
      const { conversation } = await store().openConversation(
        receptive(`+55119876500${10 + i}`, {
          at: at(i),
          status: i % 2 === 0 ? "with_operator" : "self_service",
          operatorId: i === 2 ? "op-ana" : null,
          customerName: i === 4 ? "Padaria Pão Quente Ltda" : `Cliente ${i}`,
          taxId: i === 5 ? "11444777000161" : null,
          source: "erp",
          customerRef: `C${i}`,
        }),
      );
      made.push(conversation);
    }
    const ids = (page: { items: { id: number }[] }) => page.items.map((c) => c.id);
    const id = (i: number) => made[i]?.id;
    expect(ids(await store().listConversations({ status: ["with_operator"] }))).toEqual([
      id(6),
      id(4),
      id(2),
      id(0),
    ]);
    expect(ids(await store().listConversations({ status: ["with_operator"], operatorId: null }))).toEqual([
      id(6),
      id(4),
      id(0),
    ]);
    expect(ids(await store().listConversations({ operatorId: "op-ana" }))).toEqual([id(2)]);
    expect(ids(await store().listConversations({ from: at(2), to: at(4) }))).toEqual([id(3), id(2)]);
    expect(ids(await store().listConversations({ search: "pão quente" }))).toEqual([id(4)]);
    expect(ids(await store().listConversations({ search: "11.444.777/0001-61" }))).toEqual([id(5)]);
    expect(ids(await store().listConversations({ search: "(11) 98765-0013" }))).toEqual([id(3)]);
    expect(ids(await store().listConversations({ source: "erp", customerRef: "C1" }))).toEqual([id(1)]);

    const first = await store().listConversations({ limit: 3 });
    const second = await store().listConversations({ limit: 3, cursor: first.nextCursor });
    const third = await store().listConversations({ limit: 3, cursor: second.nextCursor });
    expect([...ids(first), ...ids(second), ...ids(third)]).toEqual([6, 5, 4, 3, 2, 1, 0].map(id));
    expect(third.nextCursor).toBeNull();
  });

  it("finds idle conversations for the timeout", async () => {
    const { conversation: old } = await store().openConversation(receptive("+5511987650030", { at: at(0) }));
    await store().openConversation(receptive("+5511987650031", { at: at(50) }));
    await store().openConversation(receptive("+5511987650032", { at: at(0), status: "with_operator" }));
    const idle = await store().listIdleConversations({ statuses: ["self_service"], before: at(30) });
    expect(idle.map((c) => c.id)).toEqual([old.id]);
  });

  it("feeds every change in order, to pollers and to in-process watchers", async () => {
    const start = await store().conversationFeedPosition();
    const seen: ConversationChange[] = [];
    const stop = store().watchConversations((change) => seen.push(change));
    const { conversation } = await store().openConversation(receptive("+5511987650040"));
    const { message } = await store().appendMessage({
      conversationId: conversation.id,
      direction: "inbound",
      kind: "text",
      author: "customer",
      body: "oi",
      providerMessageId: "wamid.f1",
      status: "received",
      at: at(1),
    });
    await store().updateConversation(conversation.id, { status: "with_operator", at: at(2) });
    stop();
    await store().updateConversation(conversation.id, { operatorId: "op1", at: at(3) });
    const feed = await store().conversationChanges({ after: start });
    expect(feed.map((c) => [c.kind, c.conversationId, c.messageId])).toEqual([
      ["conversation", conversation.id, null],
      ["message", conversation.id, message.id],
      ["conversation", conversation.id, null],
      ["conversation", conversation.id, null],
    ]);
    expect(seen).toEqual(feed.slice(0, 3));
    expect(await store().conversationFeedPosition()).toBe(feed.at(-1)?.seq);
    expect(await store().conversationChanges({ after: feed[1]?.seq ?? 0, limit: 1 })).toEqual([feed[2]]);
  });

  it("purges message bodies and documents past retention, keeping the rows and their ticks", async () => {
    const { conversation } = await store().openConversation(receptive("+5511987650050"));
    const message = (minute: number, body: string) => ({
      conversationId: conversation.id,
      direction: "outbound" as const,
      kind: "document" as const,
      author: "bot",
      body,
      payload: { note: body },
      document: { filename: `${body}.pdf`, mime: "application/pdf" },
      status: "sent" as const,
      at: at(minute),
    });
    await store().appendMessage(message(0, "old"));
    await store().appendMessage(message(60 * 24 * 40, "new"));
    const purged = await store().purgeConversationContent(at(60 * 24 * 30));
    expect(purged.messages).toBe(1);
    expect(purged.changes).toBeGreaterThanOrEqual(2);
    const [oldOne, newOne] = await store().listMessages(conversation.id);
    expect(oldOne).toMatchObject({ body: null, payload: null, document: null, status: "sent" });
    expect(oldOne?.purgedAt).not.toBeNull();
    expect(newOne).toMatchObject({ body: "new", document: { filename: "new.pdf" } });
    expect((await store().purgeConversationContent(at(60 * 24 * 30))).messages).toBe(0);
  });
}
