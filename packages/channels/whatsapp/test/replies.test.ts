import { type ChannelEvent, replyPayload } from "@regua/core";
import type { FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { WhatsAppChannel } from "../src/index.js";
import { buttonMessage, interactiveButtonReply, interactiveListReply } from "./fixtures/meta-webhooks.js";
import { createChannel, signedWebhook, startFake, startReceiver } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

type Inbound = Extract<ChannelEvent, { kind: "inbound" }>;

let parser: WhatsAppChannel;
let parserFake: FakeGraphApi;
beforeAll(async () => {
  parserFake = await startFake();
  parser = (await createChannel(parserFake)).channel;
}, 60_000);
afterAll(() => parserFake.close());

async function parse(payload: unknown): Promise<Inbound> {
  const [event] = parser.webhook?.parse(signedWebhook(payload)) ?? [];
  if (event?.kind !== "inbound") throw new Error("expected an inbound event");
  return event;
}

describe("Meta's documented reply payloads", () => {
  it("Button Message: the payload travels; a payload régua did not set leaves the text to decide", async () => {
    const event = await parse(buttonMessage());
    expect(event).toMatchObject({
      from: "+16505551234",
      payload: "Unsubscribe",
      text: "Unsubscribe",
      intent: "opt_out",
      replyTo: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJFNjk2OTMwNEZCQjhGMzUyQUYA",
    });
  });

  it("Button Message with a régua payload: the payload decides, not the Portuguese label", async () => {
    // The label alone would land as "other": "Quitado" is no keyword.
    expect((await parse(buttonMessage({ payload: "regua:paid", text: "Quitado ✅" }))).intent).toBe(
      "already_paid",
    );
    const promise = await parse(
      buttonMessage({ payload: replyPayload("promise", "2026-12-10"), text: "Pago dia 10" }),
    );
    expect(promise).toMatchObject({ intent: "promise_to_pay", payload: "regua:promise:2026-12-10" });
    expect((await parse(buttonMessage({ payload: "regua:agent", text: "Quero ajuda" }))).intent).toBe(
      "talk_to_human",
    );
    expect((await parse(buttonMessage({ payload: "regua:stop", text: "Não enviar mais" }))).intent).toBe(
      "opt_out",
    );
  });

  it("Interactive Button Reply Message: button_reply.id is the payload", async () => {
    expect(await parse(interactiveButtonReply())).toMatchObject({
      payload: "cancel-button",
      text: "Cancel",
      intent: "other",
    });
    const paid = await parse(interactiveButtonReply({ id: "regua:paid", title: "Já está pago" }));
    expect(paid).toMatchObject({ payload: "regua:paid", intent: "already_paid" });
  });

  it("Interactive List Reply Message: list_reply.id is the payload", async () => {
    expect(await parse(interactiveListReply())).toMatchObject({
      payload: "priority_express",
      intent: "other",
    });
    const agent = await parse(interactiveListReply({ id: "regua:agent", title: "Atendimento" }));
    expect(agent).toMatchObject({ payload: "regua:agent", intent: "talk_to_human" });
  });
});

describe("a template's quick-reply buttons, end to end through the fake", () => {
  it("carries the payloads régua set, and a tap brings them back with the intent", async () => {
    const fake = await startFake();
    const { channel } = await createChannel(fake);
    const receiver = await startReceiver(channel);
    fake.setWebhookUrl(receiver.url);
    cleanup.push(
      () => fake.close(),
      () => receiver.close(),
    );
    const { providerMessageId } = await channel.send({
      actionKey: "matriz:inv-1001:d3:2026-03-12",
      to: "+5511987654321",
      template: {
        name: "cobranca_opcoes",
        language: "pt_BR",
        body: [
          { type: "text", text: "Maria" },
          { type: "text", text: "1001" },
        ],
        buttons: [
          { index: 0, subType: "quick_reply", parameter: replyPayload("paid") },
          { index: 1, subType: "quick_reply", parameter: replyPayload("promise", "2026-03-10") },
          { index: 2, subType: "quick_reply", parameter: replyPayload("agent") },
        ],
      },
      preview: "cobranca_opcoes → Maria",
    });
    expect(
      (fake.sent.at(-1)?.body as { template?: { components?: unknown[] } } | undefined)?.template?.components,
    ).toContainEqual({
      type: "button",
      sub_type: "quick_reply",
      index: "0",
      parameters: [{ type: "payload", payload: "regua:paid" }],
    });
    fake.tapQuickReply(providerMessageId, 0);
    fake.tapQuickReply(providerMessageId, 1);
    fake.tapQuickReply(providerMessageId, 2);
    await fake.idle();
    const inbound = receiver.events.filter((e): e is Inbound => e.kind === "inbound");
    expect(inbound.map((e) => [e.text, e.payload, e.intent, e.replyTo])).toEqual([
      ["Já paguei", "regua:paid", "already_paid", providerMessageId],
      ["Vou pagar dia 10", "regua:promise:2026-03-10", "promise_to_pay", providerMessageId],
      ["Falar com atendente", "regua:agent", "talk_to_human", providerMessageId],
    ]);
  });
});
