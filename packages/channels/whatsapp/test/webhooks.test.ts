import { createHmac } from "node:crypto";
import type { ChannelEvent, OutboundMessage, RawRequest } from "@regua/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  APP_SECRET,
  createChannel,
  PHONE_NUMBER_ID,
  startFake,
  startReceiver,
  VERIFY_TOKEN,
} from "./helpers.js";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function setup(overrides: Parameters<typeof startFake>[0] = {}) {
  const fake = await startFake({ ratePerSecond: 1000, ...overrides });
  const subject = await createChannel(fake, { tier: "upgraded" });
  const receiver = await startReceiver(subject.channel);
  fake.setWebhookUrl(receiver.url);
  cleanup.push(
    () => fake.close(),
    () => receiver.close(),
  );
  return { fake, subject, receiver };
}

const message = (actionKey: string, to = "+5511987654321"): OutboundMessage => ({
  actionKey,
  to,
  template: { name: "confirmacao_pagamento", language: "pt_BR", body: [{ type: "text", text: "Ana" }] },
  preview: "Recebemos seu pagamento, Ana.",
});

const statuses = (events: ChannelEvent[]) =>
  events.filter((e): e is Extract<ChannelEvent, { kind: "status" }> => e.kind === "status");

function signed(body: string, secret = APP_SECRET): RawRequest {
  const signature = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
  return {
    method: "POST",
    path: "/webhooks/whatsapp/wa",
    headers: { "x-hub-signature-256": signature, "content-type": "application/json" },
    query: {},
    rawBody: Buffer.from(body),
  };
}

describe("status webhooks from the fake, verified and parsed by the channel", () => {
  it("turns sent → delivered → read into status events carrying the action key", async () => {
    const { fake, subject, receiver } = await setup();
    const { providerMessageId } = await subject.channel.send(message("matriz:inv-7:d0:2026-03-15"));
    await fake.idle();
    expect(receiver.rejected).toBe(0);
    const events = statuses(receiver.events);
    expect(events.map((e) => e.status)).toEqual(["sent", "delivered", "read"]);
    for (const event of events) {
      expect(event).toMatchObject({
        providerMessageId,
        actionKey: "matriz:inv-7:d0:2026-03-15",
        recipient: "+5511987654321",
        error: null,
      });
      expect(event.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
    }
  });

  it("gives duplicates the same eventId so they dedupe, and keeps out-of-order reads", async () => {
    const { fake, subject, receiver } = await setup({ duplicateRate: 1, outOfOrderRate: 1 });
    await subject.channel.send(message("k-dup"));
    await fake.idle();
    const events = statuses(receiver.events);
    expect(events).toHaveLength(6); // every webhook posted twice
    expect(new Set(events.map((e) => e.eventId)).size).toBe(3);
    const firstSeen = [...new Map(events.map((e) => [e.eventId, e.status])).values()];
    expect(firstSeen).toEqual(["sent", "read", "delivered"]);
    const byStatus = Object.fromEntries(events.map((e) => [e.status, Date.parse(e.at)]));
    expect(byStatus.read).toBeGreaterThanOrEqual(byStatus.delivered ?? Number.POSITIVE_INFINITY);
  });

  it("maps an asynchronous failure with Meta's code and text", async () => {
    const { fake, subject, receiver } = await setup();
    fake.inject(131026, { via: "webhook" });
    await subject.channel.send(message("k-fail"));
    await fake.idle();
    expect(statuses(receiver.events)).toMatchObject([
      {
        status: "failed",
        actionKey: "k-fail",
        error: { code: "131026", message: expect.stringContaining("Message undeliverable") },
      },
    ]);
  });

  it("parses an inbound PARAR as opt_out, and it opens the 24-hour window for free text", async () => {
    const { fake, subject, receiver } = await setup();
    const wamid = fake.reply("+5511955554444", "PARAR", { context: "wamid.previous" });
    await fake.idle();
    expect(receiver.events).toEqual([
      expect.objectContaining({
        kind: "inbound",
        eventId: wamid,
        providerMessageId: wamid,
        from: "+5511955554444",
        text: "PARAR",
        intent: "opt_out",
        replyTo: "wamid.previous",
      }),
    ]);
    const { providerMessageId } = await subject.channel.send({
      actionKey: "k-ack",
      to: "+5511955554444",
      text: "Pronto, você não receberá mais mensagens.",
      preview: "ack",
    });
    expect(providerMessageId).toMatch(/^wamid\./);
    expect(await subject.state.get("whatsapp:last-inbound:+5511955554444")).not.toBeNull();
  });

  it("rejects forged, unsigned and wrongly-keyed requests", async () => {
    const { subject } = await setup();
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] });
    const webhook = subject.channel.webhook!;
    expect(webhook.verify(signed(body))).toBe(true);
    expect(webhook.verify({ ...signed(body), rawBody: Buffer.from(`${body} `) })).toBe(false);
    expect(webhook.verify(signed(body, "another-secret"))).toBe(false);
    expect(webhook.verify({ ...signed(body), headers: {} })).toBe(false);
    expect(webhook.verify({ ...signed(body), headers: { "x-hub-signature-256": "sha256=abc" } })).toBe(false);
    expect(
      webhook.verify({
        ...signed(body),
        headers: { "X-Hub-Signature-256": signed(body).headers["x-hub-signature-256"] },
      }),
    ).toBe(true);
  });

  it("parses button and interactive replies and ignores other phone numbers", async () => {
    const { subject } = await setup();
    const value = (phoneNumberId: string, messages: unknown[]) => ({
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "5511900000000", phone_number_id: phoneNumberId },
      contacts: [{ profile: { name: "Ana" }, wa_id: "5511911112222" }],
      messages,
    });
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [
            {
              field: "messages",
              value: value(PHONE_NUMBER_ID, [
                {
                  from: "5511911112222",
                  id: "wamid.b1",
                  timestamp: "1767225600",
                  type: "button",
                  button: { text: "Já paguei", payload: "PAID" },
                },
                {
                  from: "5511911112222",
                  id: "wamid.i1",
                  timestamp: "1767225601",
                  type: "interactive",
                  interactive: {
                    type: "button_reply",
                    button_reply: { id: "human", title: "Falar com atendente" },
                  },
                },
              ]),
            },
            {
              field: "messages",
              value: value("999", [
                {
                  from: "5521900000000",
                  id: "wamid.other",
                  timestamp: "1",
                  type: "text",
                  text: { body: "x" },
                },
              ]),
            },
          ],
        },
      ],
    });
    const events = subject.channel.webhook!.parse(signed(body));
    expect(events).toMatchObject([
      {
        kind: "inbound",
        eventId: "wamid.b1",
        text: "Já paguei",
        intent: "already_paid",
        at: "2026-01-01T00:00:00.000Z",
      },
      { kind: "inbound", eventId: "wamid.i1", text: "Falar com atendente", intent: "talk_to_human" },
    ]);
  });

  it("throws a ValidationError on a payload that is not Meta's shape", async () => {
    const { subject } = await setup();
    expect(() => subject.channel.webhook!.parse(signed('{"hello":"world"}'))).toThrow(/WhatsApp webhook/);
  });
});

describe("GET handshake", () => {
  const get = (query: Record<string, string>): RawRequest => ({
    method: "GET",
    path: "/webhooks/whatsapp/wa",
    headers: {},
    query,
    rawBody: Buffer.alloc(0),
  });

  it("answers the challenge for subscribe with the right verify token, 403 otherwise", async () => {
    const { subject } = await setup();
    const handshake = subject.channel.webhook!.handshake!;
    expect(
      handshake(
        get({ "hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444" }),
      ),
    ).toEqual({
      status: 200,
      headers: { "content-type": "text/plain" },
      body: "1158201444",
    });
    expect(
      handshake(get({ "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1" }))?.status,
    ).toBe(403);
    expect(
      handshake(get({ "hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1" }))
        ?.status,
    ).toBe(403);
    expect(handshake(get({}))).toBeNull();
  });
});
