import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeGraphApi, startFakeGraphApi } from "../src/whatsapp/index.js";

const TOKEN = "EAAtest-token";
const SECRET = "app-secret";
const PHONE = "106540352242922";

let fake: FakeGraphApi;
let receiver: Server;
let throughputMs = 0;
const received: { body: string; signature: string | undefined }[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({
        body: Buffer.concat(chunks).toString(),
        signature: req.headers["x-hub-signature-256"] as string,
      });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const port = (receiver.address() as AddressInfo).port;
  fake = await startFakeGraphApi({
    token: TOKEN,
    appSecret: SECRET,
    phoneNumberId: PHONE,
    ratePerSecond: 5,
    // The bucket runs on this test's clock: a loaded machine must not refill it between sends.
    throughputClock: () => throughputMs,
    clockSpeed: 100,
    duplicateRate: 0,
    outOfOrderRate: 0,
    webhookUrl: `http://127.0.0.1:${port}/hook`,
  });
});
afterAll(async () => {
  await fake.close();
  receiver.close();
});
afterEach(async () => {
  throughputMs += 60_000; // each test starts with a full bucket
  await fake.idle();
  received.length = 0;
  // let the rate-limit bucket refill between tests
  await new Promise((r) => setTimeout(r, 1100));
});

function send(body: unknown, token = TOKEN, phone = PHONE) {
  return fetch(`${fake.url}/v23.0/${phone}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}
const base = { messaging_product: "whatsapp", recipient_type: "individual", to: "5511988887777" };
const template = (components: unknown[], name = "confirmacao_pagamento") => ({
  ...base,
  type: "template",
  biz_opaque_callback_data: "action-1",
  template: { name, language: { policy: "deterministic", code: "pt_BR" }, components },
});
const bodyParams = [{ type: "body", parameters: [{ type: "text", text: "Ana" }] }];

describe("fake Graph API: messages", () => {
  it("accepts a valid template and answers with a wamid", async () => {
    const response = await send(template(bodyParams));
    expect(response.status).toBe(200);
    const json = (await response.json()) as { messages: { id: string }[]; contacts: { wa_id: string }[] };
    expect(json.messages[0]?.id).toMatch(/^wamid\./);
    expect(json.contacts[0]?.wa_id).toBe("5511988887777");
    expect(fake.sent.at(-1)?.actionKey).toBe("action-1");
  });

  it("rejects a bad token with code 190 and HTTP 401", async () => {
    const response = await send(template(bodyParams), "wrong");
    expect(response.status).toBe(401);
    const json = (await response.json()) as { error: { code: number; type: string; fbtrace_id: string } };
    expect(json.error).toMatchObject({ code: 190, type: "OAuthException" });
    expect(json.error.fbtrace_id).toMatch(/^A/);
  });

  it("rejects what the OpenAPI schema rejects with code 100", async () => {
    const noLanguagePolicy = {
      ...base,
      type: "template",
      template: { name: "x", language: { code: "pt_BR" } },
    };
    const currencyAsFloat = template([
      {
        type: "body",
        parameters: [{ type: "currency", currency: { fallback_value: "R$", code: "BRL", amount_1000: 1.5 } }],
      },
    ]);
    const extraField = { ...base, type: "text", text: { body: "oi" }, surprise: true };
    const bothIdAndLink = { ...base, type: "document", document: { id: "1", link: "https://x.test/a.pdf" } };
    for (const body of [noLanguagePolicy, currencyAsFloat, extraField, bothIdAndLink]) {
      const response = await send(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const json = (await response.json()) as { error: { code: number; error_data?: { details: string } } };
      expect(json.error.code).toBe(100);
    }
  });

  it("rejects unknown templates (132001) and parameter count mismatches (132000)", async () => {
    const unknown = await send(template(bodyParams, "nao_existe"));
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: number } }).error.code).toBe(132001);
    const mismatch = await send(template([{ type: "body", parameters: [] }]));
    expect(((await mismatch.json()) as { error: { code: number } }).error.code).toBe(132000);
  });

  it("checks named parameters and the document header format against the template", async () => {
    const named = (params: unknown[], header?: unknown) =>
      template(
        [
          ...(header ? [header] : []),
          { type: "body", parameters: params },
          {
            type: "button",
            sub_type: "copy_code",
            index: "0",
            parameters: [{ type: "coupon_code", coupon_code: "PIX" }],
          },
        ],
        "boleto_vencido",
      );
    const doc = {
      type: "header",
      parameters: [{ type: "document", document: { link: "https://x.test/b.pdf" } }],
    };
    const wrongName = [
      { type: "text", parameter_name: "nome", text: "Ana" },
      { type: "text", parameter_name: "fatura", text: "1" },
      { type: "text", parameter_name: "total", text: "R$ 1" },
    ];
    const missingHeader = await send(
      named(wrongName.slice(0, 2).concat({ ...wrongName[2]!, parameter_name: "valor" })),
    );
    expect(((await missingHeader.json()) as { error: { code: number } }).error.code).toBe(132012);
    const badName = await send(named(wrongName, doc));
    const badNameJson = (await badName.json()) as {
      error: { code: number; error_data: { details: string } };
    };
    expect(badNameJson.error.code).toBe(132000);
    expect(badNameJson.error.error_data.details).toContain("valor");
    const ok = await send(
      named(wrongName.slice(0, 2).concat({ ...wrongName[2]!, parameter_name: "valor" }), doc),
    );
    expect(ok.status).toBe(200);
  });

  it("throttles beyond ratePerSecond with 130429", async () => {
    const codes: number[] = [];
    for (let i = 0; i < 8; i++) codes.push((await send(template(bodyParams))).status);
    expect(codes.filter((c) => c === 200)).toHaveLength(5);
    expect(codes.filter((c) => c === 429)).toHaveLength(3);
  });

  it("injects an error for the next N requests only", async () => {
    fake.inject(131026, { count: 2 });
    const first = await send(template(bodyParams));
    const second = await send(template(bodyParams));
    const third = await send(template(bodyParams));
    expect([first.status, second.status, third.status]).toEqual([400, 400, 200]);
    expect(((await first.json()) as { error: { code: number } }).error.code).toBe(131026);
  });

  it("posts signed sent → delivered → read webhooks carrying biz_opaque_callback_data", async () => {
    const response = await send(template(bodyParams));
    const { messages } = (await response.json()) as { messages: { id: string }[] };
    await fake.idle();
    const statuses = received.map((r) => {
      const expected = `sha256=${createHmac("sha256", SECRET).update(r.body).digest("hex")}`;
      expect(r.signature).toBe(expected);
      const value = JSON.parse(r.body).entry[0].changes[0].value;
      return value.statuses[0];
    });
    expect(statuses.map((s) => s.status)).toEqual(["sent", "delivered", "read"]);
    expect(statuses.every((s) => s.id === messages[0]?.id && s.biz_opaque_callback_data === "action-1")).toBe(
      true,
    );
  });

  it("fails free-form text outside the 24h window by webhook (131047), delivers it after a reply", async () => {
    await send({ ...base, type: "text", text: { body: "oi" } });
    await fake.idle();
    const failed = JSON.parse(received.at(-1)?.body ?? "{}").entry[0].changes[0].value.statuses[0];
    expect(failed).toMatchObject({ status: "failed", errors: [{ code: 131047 }] });
    received.length = 0;
    fake.reply("+5511988887777", "PARAR");
    await fake.idle();
    const inbound = JSON.parse(received[0]?.body ?? "{}").entry[0].changes[0].value.messages[0];
    expect(inbound).toMatchObject({ from: "5511988887777", type: "text", text: { body: "PARAR" } });
    received.length = 0;
    await send({ ...base, type: "text", text: { body: "ok" } });
    await fake.idle();
    expect(received.map((r) => JSON.parse(r.body).entry[0].changes[0].value.statuses[0].status)).toEqual([
      "sent",
      "delivered",
      "read",
    ]);
  });
});

describe("fake Graph API: media and templates", () => {
  it("uploads a PDF by multipart and returns a media id", async () => {
    const form = new FormData();
    form.append("messaging_product", "whatsapp");
    form.append("type", "application/pdf");
    form.append(
      "file",
      new Blob([Buffer.from("%PDF-1.4 boleto")], { type: "application/pdf" }),
      "boleto.pdf",
    );
    const response = await fetch(`${fake.url}/v23.0/${PHONE}/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(response.status).toBe(200);
    const { id } = (await response.json()) as { id: string };
    expect(fake.media.find((m) => m.id === id)).toMatchObject({
      mimeType: "application/pdf",
      filename: "boleto.pdf",
    });
  });

  it("rejects an upload without messaging_product", async () => {
    const form = new FormData();
    form.append("file", new Blob(["x"], { type: "application/pdf" }), "a.pdf");
    const response = await fetch(`${fake.url}/v23.0/${PHONE}/media`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: form,
    });
    expect(response.status).toBe(400);
  });

  it("lists message templates in Graph shape", async () => {
    const response = await fetch(`${fake.url}/v23.0/102290129340398/message_templates?name=boleto_vencido`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const json = (await response.json()) as {
      data: { name: string; parameter_format: string; components: { type: string }[] }[];
    };
    expect(json.data).toHaveLength(1);
    expect(json.data[0]?.parameter_format).toBe("NAMED");
    expect(json.data[0]?.components.map((c) => c.type)).toEqual(["HEADER", "BODY", "BUTTONS"]);
  });
});

describe("fake Graph API: webhooks before a URL is known", () => {
  it("holds notifications until setWebhookUrl, as Meta retries undelivered ones", async () => {
    const late = await startFakeGraphApi({
      token: TOKEN,
      appSecret: SECRET,
      phoneNumberId: PHONE,
      clockSpeed: 100,
      duplicateRate: 0,
      outOfOrderRate: 0,
    });
    try {
      const response = await fetch(`${late.url}/v23.0/${PHONE}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify(template(bodyParams)),
      });
      expect(response.status).toBe(200);
      await late.idle();
      expect(late.webhooks).toHaveLength(0);
      received.length = 0;
      late.setWebhookUrl(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/late`);
      await late.idle();
      expect(late.webhooks.map((w) => w.status)).toEqual([200, 200, 200]);
      expect(received).toHaveLength(3);
    } finally {
      await late.close();
    }
  });
});
