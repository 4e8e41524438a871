import type { OutboundMessage } from "@regua/core";
import type { FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelUnderTest, captureError, createChannel, startFake } from "./helpers.js";

let fake: FakeGraphApi;
let subject: ChannelUnderTest;

beforeAll(async () => {
  fake = await startFake({ ratePerSecond: 1000 });
  subject = await createChannel(fake, { tier: "upgraded" });
});
afterAll(() => fake.close());

const reminder: OutboundMessage = {
  actionKey: "matriz:inv-1001:d-3:2026-03-12",
  to: "+5511987654321",
  template: {
    name: "lembrete_vencimento",
    language: "pt_BR",
    body: [
      { type: "text", text: "Maria" },
      { type: "text", text: "1001" },
      { type: "currency", amount: { amountMinor: 12345, currency: "BRL" }, fallback: "R$ 123,45" },
      { type: "date_time", date: "2026-03-15", fallback: "15/03/2026" },
    ],
    buttons: [{ index: 0, subType: "url", parameter: "inv-1001" }],
  },
  preview: "Olá Maria, sua fatura 1001 de R$ 123,45 vence em 15/03/2026.",
};

const lastBody = () => fake.sent.at(-1)?.body as Record<string, unknown>;

describe("send: templates on the wire", () => {
  it("posts a template with positional, currency and date_time parameters and returns the wamid", async () => {
    const { providerMessageId } = await subject.channel.send(reminder);
    expect(providerMessageId).toMatch(/^wamid\./);
    expect(fake.sent.at(-1)?.id).toBe(providerMessageId);
    expect(lastBody()).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "5511987654321",
      type: "template",
      biz_opaque_callback_data: "matriz:inv-1001:d-3:2026-03-12",
      template: {
        name: "lembrete_vencimento",
        language: { policy: "deterministic", code: "pt_BR" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Maria" },
              { type: "text", text: "1001" },
              {
                type: "currency",
                currency: { fallback_value: "R$ 123,45", code: "BRL", amount_1000: 123450 },
              },
              { type: "date_time", date_time: { fallback_value: "15/03/2026" } },
            ],
          },
          { type: "button", sub_type: "url", index: "0", parameters: [{ type: "text", text: "inv-1001" }] },
        ],
      },
    });
  });

  it("sends named parameters, a boleto PDF header by link and a PIX copy-code button", async () => {
    await subject.channel.send({
      actionKey: "k-named",
      to: "+5521912345678",
      template: {
        name: "boleto_vencido",
        language: "pt_BR",
        header: {
          type: "document",
          document: { link: "https://erp.example.com/boleto/1001.pdf", filename: "boleto-1001.pdf" },
        },
        body: [
          { type: "text", name: "nome", text: "João" },
          { type: "text", name: "fatura", text: "1001" },
          {
            type: "currency",
            name: "valor",
            amount: { amountMinor: 9990, currency: "BRL" },
            fallback: "R$ 99,90",
          },
        ],
        buttons: [{ index: 0, subType: "copy_code", parameter: "00020126PIX" }],
      },
      preview: "boleto",
    });
    const template = (lastBody().template as { components: unknown[] }).components;
    expect(template[0]).toEqual({
      type: "header",
      parameters: [
        {
          type: "document",
          document: { link: "https://erp.example.com/boleto/1001.pdf", filename: "boleto-1001.pdf" },
        },
      ],
    });
    expect(template[1]).toMatchObject({
      parameters: [{ parameter_name: "nome" }, { parameter_name: "fatura" }, { parameter_name: "valor" }],
    });
    expect(template[2]).toEqual({
      type: "button",
      sub_type: "copy_code",
      index: "0",
      parameters: [{ type: "coupon_code", coupon_code: "00020126PIX" }],
    });
  });

  it("uploads a PDF by multipart and sends it as the template header by media id", async () => {
    const mediaId = await subject.channel.uploadMedia(new TextEncoder().encode("%PDF-1.7 extrato"), {
      filename: "extrato-marco.pdf",
    });
    expect(fake.media.find((m) => m.id === mediaId)).toMatchObject({
      mimeType: "application/pdf",
      filename: "extrato-marco.pdf",
    });
    await subject.channel.send({
      actionKey: "k-media",
      to: "+5521912345678",
      template: {
        name: "boleto_vencido",
        language: "pt_BR",
        header: { type: "document", document: { mediaId, filename: "extrato-marco.pdf" } },
        body: [
          { type: "text", name: "nome", text: "João" },
          { type: "text", name: "fatura", text: "1002" },
          { type: "text", name: "valor", text: "R$ 10,00" },
        ],
        buttons: [{ index: 0, subType: "copy_code", parameter: "PIX2" }],
      },
      preview: "extrato",
    });
    const header = (lastBody().template as { components: { parameters: unknown[] }[] }).components[0];
    expect(header?.parameters[0]).toEqual({
      type: "document",
      document: { id: mediaId, filename: "extrato-marco.pdf" },
    });
  });

  it("refuses a non-E.164 recipient before any call", async () => {
    const before = fake.requests.length;
    const error = await captureError(() => subject.channel.send({ ...reminder, to: "11987654321" }));
    expect(error).toMatchObject({ code: "VALIDATION" });
    expect(fake.requests.length).toBe(before);
  });
});

describe("send: free-form text and the 24-hour window", () => {
  it("refuses free text to a customer who has not written, before any call", async () => {
    const before = fake.requests.length;
    const error = await captureError(() =>
      subject.channel.send({
        actionKey: "k-text",
        to: "+5511900001111",
        text: "Podemos ajudar?",
        preview: "Podemos ajudar?",
      }),
    );
    // No windowClosedTemplate configured: nothing to switch to, and free text is never retried.
    expect(error).toMatchObject({ issue: "window_closed", retryable: false });
    expect(String((error as Error).message)).toContain("24 hours");
    expect(fake.requests.length).toBe(before);
  });

  it("sends free text once the customer's message opened the window (from ctx.state)", async () => {
    await subject.state.set("whatsapp:last-inbound:+5511900002222", new Date().toISOString());
    const { providerMessageId } = await subject.channel.send({
      actionKey: "k-text-ok",
      to: "+5511900002222",
      text: "Claro, segue o boleto.",
      preview: "Claro, segue o boleto.",
    });
    expect(providerMessageId).toMatch(/^wamid\./);
    expect(lastBody()).toMatchObject({
      type: "text",
      text: { body: "Claro, segue o boleto.", preview_url: false },
      to: "5511900002222",
    });
  });

  it("treats a window older than 24 hours as closed", async () => {
    await subject.state.set(
      "whatsapp:last-inbound:+5511900003333",
      new Date(Date.now() - 25 * 3600_000).toISOString(),
    );
    const error = await captureError(() =>
      subject.channel.send({ actionKey: "k-old", to: "+5511900003333", text: "oi", preview: "oi" }),
    );
    expect(error).toMatchObject({ issue: "window_closed" });
  });
});

describe("send: reply buttons and lists inside the window", () => {
  const customer = "+5511900004444";
  const list: OutboundMessage = {
    actionKey: "bot:1:list",
    to: customer,
    interactive: {
      type: "list",
      body: "Maria, encontrei 2 faturas em aberto. Escolha uma:",
      button: "Ver faturas",
      sections: [
        {
          rows: [
            { id: "regua-bot:inv:0", title: "NF-1", description: "Vence 01/03/2026 · R$ 100,00" },
            { id: "regua-bot:inv:1", title: "NF-2" },
          ],
        },
      ],
    },
    preview: "Maria, encontrei 2 faturas em aberto.",
  };

  beforeAll(() => subject.state.set(`whatsapp:last-inbound:${customer}`, new Date().toISOString()));

  it("posts a list message the fake validates against Meta's description", async () => {
    const { providerMessageId } = await subject.channel.send(list);
    expect(providerMessageId).toMatch(/^wamid\./);
    expect(lastBody()).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "5511900004444",
      biz_opaque_callback_data: "bot:1:list",
      type: "interactive",
      interactive: {
        type: "list",
        body: { text: "Maria, encontrei 2 faturas em aberto. Escolha uma:" },
        action: {
          button: "Ver faturas",
          sections: [
            {
              rows: [
                { id: "regua-bot:inv:0", title: "NF-1", description: "Vence 01/03/2026 · R$ 100,00" },
                { id: "regua-bot:inv:1", title: "NF-2" },
              ],
            },
          ],
        },
      },
    });
  });

  it("posts reply buttons", async () => {
    await subject.channel.send({
      actionKey: "bot:1:buttons",
      to: customer,
      interactive: {
        type: "buttons",
        body: "Não há faturas em aberto.",
        buttons: [
          { id: "regua-bot:menu:operator", title: "Falar com atendente" },
          { id: "regua-bot:menu:restart", title: "Consultar outro CPF" },
        ],
      },
      preview: "Não há faturas em aberto.",
    });
    expect(lastBody()).toMatchObject({
      type: "interactive",
      interactive: {
        type: "button",
        body: { text: "Não há faturas em aberto." },
        action: {
          buttons: [
            { type: "reply", reply: { id: "regua-bot:menu:operator", title: "Falar com atendente" } },
            { type: "reply", reply: { id: "regua-bot:menu:restart", title: "Consultar outro CPF" } },
          ],
        },
      },
    });
  });

  it("the fake refuses what Meta refuses: a row title over 24 characters, 11 rows, a fourth button", async () => {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, title: `Row ${i}` }));
    const withRows = (sectionRows: { id: string; title: string }[]): OutboundMessage => ({
      ...list,
      interactive: { type: "list", body: "x", button: "Ver", sections: [{ rows: sectionRows }] },
    });
    const long = await captureError(() =>
      subject.channel.send(withRows([{ id: "a", title: "A row title much longer than 24" }])),
    );
    expect(long).toMatchObject({ retryable: false });
    expect(String((long as Error).message)).toContain("title");
    const eleven = await captureError(() => subject.channel.send(withRows(rows(11))));
    expect(String((eleven as Error).message)).toContain("more than 10 items");
    // Ten rows in all, whatever the sections: the description's limits are per section.
    const twelve = rows(12);
    const twoSections = await captureError(() =>
      subject.channel.send({
        ...list,
        interactive: {
          type: "list",
          body: "x",
          button: "Ver",
          sections: [
            { title: "A", rows: twelve.slice(0, 6) },
            { title: "B", rows: twelve.slice(6) },
          ],
        },
      }),
    );
    expect(String((twoSections as Error).message)).toContain("at most 10 in all");
    const four = await captureError(() =>
      subject.channel.send({
        ...list,
        interactive: {
          type: "buttons",
          body: "x",
          buttons: rows(4).map((r) => ({ id: r.id, title: r.title })),
        },
      }),
    );
    expect(four).toMatchObject({ retryable: false });
    expect(String((four as Error).message)).toContain("interactive[action");
  });

  it("outside the window a list is refused like free text, before any call", async () => {
    const before = fake.requests.length;
    const error = await captureError(() => subject.channel.send({ ...list, to: "+5511900005555" }));
    expect(error).toMatchObject({ issue: "window_closed" });
    expect(fake.requests.length).toBe(before);
  });
});

describe("send: a document given as bytes", () => {
  it("is uploaded first and sent by its media id, with the text as its caption", async () => {
    const customer = "+5511900006666";
    await subject.state.set(`whatsapp:last-inbound:${customer}`, new Date().toISOString());
    const bytes = new TextEncoder().encode("%PDF-1.4 extrato");
    await subject.channel.send({
      actionKey: "bot:2:statement",
      to: customer,
      text: "Extrato de débitos",
      document: { upload: { bytes, mime: "application/pdf" }, filename: "extrato.pdf" },
      preview: "Extrato de débitos",
    });
    const media = fake.media.at(-1);
    expect(media).toMatchObject({ mimeType: "application/pdf", filename: "extrato.pdf", size: bytes.length });
    expect(lastBody()).toMatchObject({
      type: "document",
      document: { id: media?.id, filename: "extrato.pdf", caption: "Extrato de débitos" },
    });
  });
});
