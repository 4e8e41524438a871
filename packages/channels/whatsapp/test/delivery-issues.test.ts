import { type ChannelEvent, type OutboundMessage, RecipientError } from "@regua/core";
import type { FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DELIVERED_WITH_PRICING,
  failedStatus,
  SENT_WITH_PRICING,
  statusNotification,
} from "./fixtures/meta-webhooks.js";
import { captureError, createChannel, signedWebhook, startFake, startReceiver, TOKEN } from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  // The fake is shared: a test that does not wait for its webhooks would have them land in the
  // next test's receiver (setWebhookUrl is global) and be read as that test's statuses.
  await fake.idle();
  for (const fn of cleanup.splice(0)) await fn();
});

type Status = Extract<ChannelEvent, { kind: "status" }>;

let fake: FakeGraphApi;
beforeAll(async () => {
  fake = await startFake({ ratePerSecond: 1000 });
}, 60_000);
afterAll(() => fake.close());

/** A channel and its webhook receiver on the shared fake; `sent()` is what this test sent. */
async function setup(overrides: Parameters<typeof createChannel>[1] = {}) {
  const subject = await createChannel(fake, { tier: "upgraded", ...overrides });
  const receiver = await startReceiver(subject.channel);
  fake.setWebhookUrl(receiver.url);
  cleanup.push(() => receiver.close());
  const sentBefore = fake.sent.length;
  const requestsBefore = fake.requests.length;
  const statuses = () => receiver.events.filter((e): e is Status => e.kind === "status");
  return {
    ...subject,
    statuses,
    sent: () => fake.sent.slice(sentBefore),
    requests: () => fake.requests.slice(requestsBefore),
  };
}

const template: OutboundMessage = {
  actionKey: "matriz:inv-7:d0:2026-03-15",
  to: "+5511987654321",
  template: { name: "confirmacao_pagamento", language: "pt_BR", body: [{ type: "text", text: "Ana" }] },
  preview: "Recebemos seu pagamento, Ana.",
};
const boleto = { link: "https://erp.example.com/boleto/1001.pdf", filename: "boleto-1001.pdf" };

describe("pricing and conversation of status webhooks (Meta's status reference)", () => {
  it("keeps billable, category, pricing model, conversation id, origin and expiry", async () => {
    const { channel } = await setup();
    const [sent] = channel.webhook?.parse(signedWebhook(statusNotification(SENT_WITH_PRICING))) ?? [];
    expect(sent).toMatchObject({
      kind: "status",
      status: "sent",
      actionKey: "matriz:inv-1001:d3:2026-06-18",
      pricing: { billable: true, category: "utility", model: "PMP" },
      conversation: {
        id: "6ceb9d929c1c9c3c8ab2b1b1c7c7b5a4",
        originType: "utility",
        expiresAt: new Date(1750350180 * 1000).toISOString(),
      },
    });
    const [delivered] =
      channel.webhook?.parse(signedWebhook(statusNotification(DELIVERED_WITH_PRICING))) ?? [];
    expect(delivered).toMatchObject({ pricing: { category: "utility" }, conversation: { expiresAt: null } });
  });

  it("arrive from the fake on sent and delivered, not on read", async () => {
    const { channel, statuses } = await setup();
    await channel.send(template);
    await fake.idle();
    expect(
      statuses().map((s) => [s.status, s.pricing?.category ?? null, s.pricing?.billable ?? null]),
    ).toEqual([
      ["sent", "utility", true],
      ["delivered", "utility", true],
      ["read", null, null],
    ]);
    expect(statuses()[0]?.conversation?.expiresAt).not.toBeNull();
  });
});

describe("recipient errors in failed statuses (Meta's error codes)", () => {
  it.each([
    [131047, "Re-engagement message", "window_closed"],
    [131049, "This message was not delivered to maintain healthy ecosystem engagement.", "engagement_limit"],
    [131026, "Message undeliverable", "undeliverable"],
    [131000, "Something went wrong", undefined],
  ] as const)("%i → issue %s", async (code, title, issue) => {
    const { channel } = await setup();
    const payload = statusNotification(failedStatus(code, title, `${title} (details)`));
    const [event] = channel.webhook?.parse(signedWebhook(payload)) ?? [];
    expect(event).toMatchObject({
      status: "failed",
      recipient: "+16505551234",
      error: { code: String(code), issue },
    });
  });

  it("131026 / 131049 answered to a send become RecipientErrors the engine acts on", async () => {
    const { channel } = await setup();
    fake.inject(131026);
    expect(await captureError(() => channel.send(template))).toMatchObject({
      issue: "undeliverable",
      retryable: false,
      provider: { code: 131026 },
    });
    fake.inject(131049);
    const held = await captureError(() => channel.send(template));
    expect(held).toBeInstanceOf(RecipientError);
    expect(held).toMatchObject({ issue: "engagement_limit", retryable: true, retryAfterMs: 24 * 3600_000 });
  });
});

describe("131047: the 24-hour window closed", () => {
  it("a closed window sends the configured template with the document, never the free-form message", async () => {
    const { channel, sent } = await setup({ windowClosedTemplate: { name: "documento_disponivel" } });
    await channel.send({
      actionKey: "k-doc",
      to: "+5511900004444",
      document: boleto,
      text: "Segue",
      preview: "doc",
    });
    expect(sent().at(-1)?.body).toMatchObject({
      type: "template",
      template: {
        name: "documento_disponivel",
        language: { code: "pt_BR" },
        components: [{ type: "header", parameters: [{ type: "document", document: boleto }] }],
      },
    });
    expect(sent().map((m) => m.type)).toEqual(["template"]);
  });

  it("Meta failing a free-form message with 131047 closes the window: the next goes as the template", async () => {
    const { channel, state, statuses, sent } = await setup({
      windowClosedTemplate: { name: "documento_disponivel" },
    });
    // The channel believes the window open (a stale record); Meta knows better.
    await state.set("whatsapp:last-inbound:+5511900005555", new Date(Date.now() - 60_000).toISOString());
    fake.inject(131047, { via: "webhook" });
    await channel.send({ actionKey: "k-free", to: "+5511900005555", document: boleto, preview: "doc" });
    await fake.idle();
    expect(statuses().at(-1)?.error).toMatchObject({ code: "131047", issue: "window_closed" });
    await channel.send({ actionKey: "k-free", to: "+5511900005555", document: boleto, preview: "doc" });
    expect(sent().map((m) => m.type)).toEqual(["document", "template"]);
  });

  it("Meta answering 131047 to the send: switched to the template in the same call", async () => {
    const { channel, state, requests } = await setup({
      windowClosedTemplate: { name: "documento_disponivel" },
    });
    await state.set("whatsapp:last-inbound:+5511900006666", new Date().toISOString());
    fake.inject(131047);
    const { providerMessageId } = await channel.send({
      actionKey: "k",
      to: "+5511900006666",
      document: boleto,
      preview: "d",
    });
    expect(fake.sent.at(-1)).toMatchObject({ id: providerMessageId, type: "template" });
    expect(
      requests()
        .filter((r) => r.path.endsWith("/messages"))
        .map((r) => r.status),
    ).toEqual([400, 200]);
  });
});

describe("190: the token was refused", () => {
  it("is an AuthError on send and an unhealthy health check, until the token works", async () => {
    const { channel } = await createChannel(fake, { token: "EAAG-expired" });
    expect(await captureError(() => channel.send(template))).toMatchObject({
      code: "AUTH",
      provider: { code: 190 },
    });
    expect(await channel.healthCheck()).toMatchObject({ ok: false });
    const renewed = await createChannel(fake, { token: TOKEN });
    expect(await renewed.channel.healthCheck()).toMatchObject({ ok: true });
  });
});
