import type { TemplateMessage } from "@regua/core";
import type { FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ChannelUnderTest, createChannel, startFake } from "./helpers.js";

let fake: FakeGraphApi;
let subject: ChannelUnderTest;

beforeAll(async () => {
  fake = await startFake({
    templates: [
      {
        name: "lembrete_vencimento",
        language: "pt_BR",
        body: "Olá {{1}}, sua fatura {{2}} vence em {{3}}.",
        buttons: [{ type: "URL", text: "Pagar", url: "https://pay.example.com/{{1}}" }],
      },
      { name: "lembrete_vencimento", language: "en_US", body: "Hi {{1}}" },
      {
        name: "boleto_vencido",
        language: "pt_BR",
        header: { format: "DOCUMENT" },
        body: "{{nome}}, valor {{valor}}",
      },
      { name: "pausado", language: "pt_BR", status: "PAUSED", body: "x" },
    ],
  });
  subject = await createChannel(fake);
});
afterAll(() => fake.close());

const text = (t: string) => ({ type: "text" as const, text: t });
const reminder: TemplateMessage = {
  name: "lembrete_vencimento",
  language: "pt_BR",
  body: [text("Maria"), text("1001"), text("15/03")],
  buttons: [{ index: 0, subType: "url", parameter: "1001" }],
};

describe("checkTemplate against the WABA's message_templates", () => {
  it("finds no problem with a matching template", async () => {
    expect(await subject.channel.checkTemplate!(reminder)).toEqual([]);
  });

  it("reports a parameter count mismatch and a missing URL button parameter", async () => {
    const problems = await subject.channel.checkTemplate!({
      ...reminder,
      body: [text("Maria")],
      buttons: [],
    });
    expect(problems).toEqual([
      { path: "template.body", message: "the approved template takes 3 parameter(s), the message has 1" },
      { path: "template.buttons[0]", message: "the URL button needs a parameter" },
    ]);
  });

  it("reports unknown templates, missing translations and unapproved status", async () => {
    expect(await subject.channel.checkTemplate!({ ...reminder, name: "nao_existe" })).toMatchObject([
      { path: "template.name" },
    ]);
    expect(await subject.channel.checkTemplate!({ ...reminder, language: "es_ES" })).toMatchObject([
      { path: "template.language", message: expect.stringContaining("pt_BR, en_US") },
    ]);
    expect(
      await subject.channel.checkTemplate!({ name: "pausado", language: "pt_BR", body: [] }),
    ).toMatchObject([{ message: expect.stringContaining("PAUSED") }]);
  });

  it("checks named parameters and a document header", async () => {
    const problems = await subject.channel.checkTemplate!({
      name: "boleto_vencido",
      language: "pt_BR",
      body: [
        { type: "text", name: "nome", text: "Ana" },
        { type: "text", name: "total", text: "R$ 1" },
      ],
    });
    expect(problems).toEqual([
      { path: "template.body", message: 'named parameter "valor" is missing (set parameter.name)' },
      {
        path: "template.header",
        message: "the template's header is a DOCUMENT: pass header.document (link or mediaId)",
      },
    ]);
  });

  it("without a wabaId there is nothing to check against", async () => {
    const noWaba = await createChannel(fake, { wabaId: undefined });
    const before = fake.requests.length;
    expect(await noWaba.channel.checkTemplate!({ ...reminder, name: "nao_existe" })).toEqual([]);
    expect(fake.requests.length).toBe(before);
  });
});
