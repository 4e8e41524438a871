import { isReguaError, type OutboundMessage } from "@regua/core";
import { DEFAULT_CANAL, type FakeOpa, startFakeOpa } from "@regua/test-fixtures/opa";
import { createTestContext } from "@regua/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { classifyOpa } from "../src/client.js";
import { type OpaChannel, opaChannel } from "../src/index.js";

const TOKEN = "opa-test-token";
let opa: FakeOpa | undefined;
afterEach(async () => {
  await opa?.close();
  opa = undefined;
});

async function channel(fake: FakeOpa, extra: Record<string, unknown> = {}): Promise<OpaChannel> {
  const options = opaChannel.optionsSchema.parse({
    baseUrl: fake.url,
    token: TOKEN,
    channelId: DEFAULT_CANAL,
    ...extra,
  });
  return (await opaChannel.create(options, createTestContext({ instanceId: "opa" }))) as OpaChannel;
}

/** The pre-due reminder as régua renders it: name, open amount, due date, boleto line. */
const reminder: OutboundMessage = {
  actionKey: "provedor:48213:pre-cobranca:2026-03-10",
  to: "+5547999123456",
  template: {
    name: "lembrete_vencimento",
    language: "pt_BR",
    body: [
      { type: "text", text: "Maria" },
      { type: "currency", amount: { amountMinor: 9990, currency: "BRL" }, fallback: "R$ 99,90" },
      { type: "date_time", date: "2026-03-10", fallback: "10/03/2026" },
      { type: "text", text: "34191790010104351004791020150008291070026000" },
    ],
  },
  preview: "lembrete_vencimento → +5547999123456",
};

describe("template sends", () => {
  it("finds or creates the contact, then sends {contato, template: {_id, variaveis}, canal}", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa);
    const first = await opaSend.send(reminder);
    await opaSend.send({ ...reminder, actionKey: "second" });
    expect(opa.contatos).toEqual([
      { _id: expect.any(String), nome: "+5547999123456", canalCliente: "+5547999123456" },
    ]);
    const sends = opa.requests.filter((r) => r.path === "/api/v1/template/send");
    expect(sends[0]?.body).toEqual({
      contato: { canalCliente: "+5547999123456" },
      template: {
        _id: "6500b9df32843f9dada2e6be",
        variaveis: ["Maria", "R$ 99,90", "10/03/2026", "34191790010104351004791020150008291070026000"],
      },
      canal: DEFAULT_CANAL,
    });
    expect(first.providerMessageId).toBe(opa.messages[0]?._id);
    expect(opa.messages[0]?.mensagem).toContain("vence em 10/03/2026");
    // One contact lookup and one template lookup for both sends (cached).
    expect(opa.requests.filter((r) => r.path === "/api/v1/contato" && r.method === "GET")).toHaveLength(1);
    expect(opa.requests.filter((r) => r.path === "/api/v1/template")).toHaveLength(1);
  });

  it("addresses a template by the _id mapped in options", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa, { templates: { pre_cobranca: "6500b9df32843f9dada2e6be" } });
    await opaSend.send({ ...reminder, template: { ...reminder.template!, name: "pre_cobranca" } });
    expect(opa.messages[0]?.template).toBe("6500b9df32843f9dada2e6be");
  });

  it("Opa's refusal (wrong variable count) is a VALIDATION error with Opa's code and words", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa);
    const error = await opaSend
      .send({ ...reminder, template: { ...reminder.template!, body: reminder.template!.body.slice(0, 2) } })
      .catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("VALIDATION");
    expect(isReguaError(error) && error.provider).toMatchObject({ system: "opa", code: 400 });
    expect(isReguaError(error) && error.provider?.message).toContain("espera 4 variáveis");
  });

  it("a 429 reaches the engine as RateLimitError with Opa's Retry-After; the send is not repeated here", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa);
    await opaSend.send(reminder);
    opa.failNext(429, "Limite de requisições excedido");
    const error = await opaSend.send({ ...reminder, actionKey: "after-429" }).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("RATE_LIMIT");
    expect(isReguaError(error) && error.retryable).toBe(true);
    expect((error as { retryAfterMs?: number }).retryAfterMs).toBe(1000);
    expect(opa.messages).toHaveLength(1);
  });

  it("wrong token: AUTH, and the health check says so", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const bad = await channel(opa, { token: "nope" });
    const error = await bad.send(reminder).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("AUTH");
    expect((await bad.healthCheck()).ok).toBe(false);
    expect((await (await channel(opa)).healthCheck()).ok).toBe(true);
  });

  it("reads an error inside a 200 answer by the code it carries", () => {
    const at200 = {
      status: 200,
      headers: {},
      setCookie: [],
      data: { status: "error", code: 401, message: "Token inválido" },
    };
    expect(classifyOpa(at200)).toMatchObject({ kind: "AUTH", code: 401 });
    expect(classifyOpa({ ...at200, data: { status: "success", code: 200, data: [] } })).toBeUndefined();
  });
});

describe("regua check: templates", () => {
  it("reports a template Opa lacks and a variable count that differs from the approved text", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa);
    expect(await opaSend.checkTemplate!(reminder.template!)).toEqual([]);
    const short = await opaSend.checkTemplate!({
      ...reminder.template!,
      body: reminder.template!.body.slice(0, 3),
    });
    expect(short).toEqual([
      { path: "template.body", message: expect.stringContaining("takes 4 variable(s), the policy maps 3") },
    ]);
    const missing = await opaSend.checkTemplate!({ ...reminder.template!, name: "nao_existe" });
    expect(missing[0]?.path).toBe("template.name");
  });
});

describe("delivery statuses (polled)", () => {
  it("reads enviado → entregue → lido from the message", async () => {
    opa = await startFakeOpa({ token: TOKEN });
    const opaSend = await channel(opa);
    const { providerMessageId } = await opaSend.send(reminder);
    const poll = () => opaSend.pollStatuses([{ providerMessageId, actionKey: reminder.actionKey }]);
    expect((await poll()).map((e) => e.kind === "status" && e.status)).toEqual(["sent"]);
    opa.setStatus(providerMessageId, "lido");
    const [read] = await poll();
    expect(read).toMatchObject({
      kind: "status",
      status: "read",
      actionKey: reminder.actionKey,
      providerMessageId,
    });
    opa.setStatus(providerMessageId, "erro");
    expect((await poll())[0]).toMatchObject({ status: "failed", error: { code: "opa_erro" } });
  });
});
