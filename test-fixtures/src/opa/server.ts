import type { IncomingMessage } from "node:http";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";

/**
 * A fake Opa! Suite API (`https://<tenant>.opasuite.com.br/api/v1`), after the shapes public Opa
 * clients use: Bearer token; `POST /template/send` with `{contato: {canalCliente}, template:
 * {_id, variaveis}, canal}`; listings as GET with a JSON body `{filter, options: {limit, skip}}`;
 * answers `{status: "success", code: 200, data}` and errors `{status: "error", code, message}`.
 * What public sources do not show (the send answer, contact creation, message statuses) is the
 * closest plausible shape, and named so in docs/channels/opa.md.
 */
export interface OpaTemplate {
  _id: string;
  atalho: string;
  texto: string;
  tipo_mensagem: string;
  departamentos: string[];
}

export interface OpaMessage {
  _id: string;
  id_rota: string;
  canal: string;
  canalCliente: string;
  template: string;
  mensagem: string;
  data: string;
  /** enviado → entregue → lido, or erro. */
  status: "enviado" | "entregue" | "lido" | "erro";
}

export interface FakeOpaOptions {
  token: string;
  /** Channel ids (WhatsApp numbers connected to Opa). Default one: "64f09e6332843f9dada2d0d6". */
  canais?: string[];
  templates?: OpaTemplate[];
  /** Requests a second before 429 (a fixed one-second window). Default: no limit. */
  perSecond?: number;
  now?: () => Date;
}

export interface FakeOpa {
  url: string;
  canais: string[];
  templates: OpaTemplate[];
  contatos: { _id: string; nome: string; canalCliente: string }[];
  messages: OpaMessage[];
  requests: { method: string; path: string; body: unknown }[];
  close(): Promise<void>;
  /** Moves a message's delivery status on, as WhatsApp reports it to Opa. */
  setStatus(messageId: string, status: OpaMessage["status"]): void;
  /** The next request answers `{status: "error", code, message}` with HTTP `code`. */
  failNext(code: number, message: string): void;
}

export const DEFAULT_CANAL = "64f09e6332843f9dada2d0d6";
const template = (_id: string, atalho: string, texto: string): OpaTemplate => ({
  _id,
  atalho,
  texto,
  tipo_mensagem: "template",
  departamentos: [],
});

/** An ISP's approved templates, one per IXC message kind, with positional variables. */
export const DEFAULT_OPA_TEMPLATES: OpaTemplate[] = [
  template(
    "6500b9df32843f9dada2e6be",
    "lembrete_vencimento",
    "Olá {{1}}! Sua fatura de {{2}} vence em {{3}}. Linha digitável: {{4}}",
  ),
  template(
    "6500b9f132843f9dada2e6c1",
    "aviso_cobranca",
    "{{1}}, não identificamos o pagamento da fatura de {{2}}, vencida em {{3}}. PIX copia e cola: {{4}}",
  ),
  template(
    "6500ba0832843f9dada2e6c2",
    "questionamento_pendencia",
    "{{1}}, ficou alguma dúvida sobre a fatura {{2}}? Responda esta mensagem.",
  ),
  template(
    "6500ba1c32843f9dada2e6c4",
    "aviso_bloqueio",
    "{{1}}, a fatura de {{2}} venceu em {{3}}. Evite o bloqueio da sua internet: pague pelo PIX {{4}}",
  ),
  template("6500ba4e32843f9dada2e6ca", "baixa_pagamento", "Obrigado, {{1}}! Recebemos o pagamento de {{2}}."),
  template("6500ba6132843f9dada2e6cd", "cancelamento_titulo", "{{1}}, a fatura {{2}} foi cancelada."),
  template("6500ba7532843f9dada2e6d0", "renegociacao", "{{1}}, seu acordo de {{2}} foi registrado."),
  template(
    "6500ba8932843f9dada2e6d3",
    "remover_negativacao",
    "{{1}}, seu nome está sendo retirado dos cadastros de crédito.",
  ),
];

const SendBody = z.object({
  contato: z.object({ canalCliente: z.string().regex(/^\+[1-9]\d{7,14}$/, "telefone deve começar com +") }),
  template: z.object({ _id: z.string().min(1), variaveis: z.array(z.string()).default([]) }),
  canal: z.string().min(1),
});
const ContatoBody = z.object({
  nome: z.string().min(1),
  canalCliente: z.string().regex(/^\+[1-9]\d{7,14}$/),
});
const ListBody = z.object({
  filter: z.record(z.string(), z.unknown()).default({}),
  options: z
    .object({ limit: z.coerce.number().int().default(100), skip: z.coerce.number().int().default(0) })
    .default({
      limit: 100,
      skip: 0,
    }),
});

const success = (data: unknown) => ({ status: "success", code: 200, data });
const failure = (reply: FastifyReply, code: number, message: string) =>
  reply.code(code).send({ status: "error", code, message });

/** Mongo-style ids, as Opa's (24 hex digits), from a counter. */
function objectId(prefix: number, n: number): string {
  return `${prefix.toString(16).padStart(8, "0")}${n.toString(16).padStart(16, "0")}`;
}

/** Fastify leaves a GET body unread: Opa's listings carry their filter there. */
async function readJson(raw: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of raw) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text.trim() === "" ? {} : JSON.parse(text);
}

export function placeholderCount(texto: string): number {
  return new Set([...texto.matchAll(/\{\{\s*(\d+)\s*\}\}/g)].map((m) => m[1])).size;
}

export async function startFakeOpa(options: FakeOpaOptions): Promise<FakeOpa> {
  const now = options.now ?? (() => new Date());
  const canais = [...(options.canais ?? [DEFAULT_CANAL])];
  const templates = [...(options.templates ?? DEFAULT_OPA_TEMPLATES)];
  const contatos: FakeOpa["contatos"] = [];
  const messages: OpaMessage[] = [];
  const requests: FakeOpa["requests"] = [];
  const faults: { code: number; message: string }[] = [];
  let window = { second: 0, count: 0 };

  const app = Fastify({ logger: false });
  app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return failure(reply, 401, "Token inválido ou expirado");
    }
    if (options.perSecond) {
      const second = Math.floor(now().getTime() / 1000);
      window = window.second === second ? { second, count: window.count + 1 } : { second, count: 1 };
      if (window.count > options.perSecond) {
        reply.header("retry-after", "1");
        return failure(reply, 429, "Limite de requisições excedido");
      }
    }
    const fault = faults.shift();
    if (fault) return failure(reply, fault.code, fault.message);
  });
  const log = (request: FastifyRequest, body: unknown) =>
    requests.push({ method: request.method, path: request.url, body });

  app.get("/api/v1/template", async (request) => {
    const body = ListBody.parse(await readJson(request.raw));
    log(request, body);
    const { atalho, _id } = body.filter;
    return success(
      templates.filter(
        (t) => (atalho === undefined || t.atalho === atalho) && (_id === undefined || t._id === _id),
      ),
    );
  });

  app.get<{ Params: { id: string } }>("/api/v1/canal/:id", async (request, reply) => {
    log(request, undefined);
    if (!canais.includes(request.params.id)) return failure(reply, 404, "Canal não encontrado");
    return success({ _id: request.params.id, nome: "WhatsApp Oficial", tipo: "whatsapp_api" });
  });

  app.get("/api/v1/contato", async (request) => {
    const body = ListBody.parse(await readJson(request.raw));
    log(request, body);
    const phone = body.filter.canalCliente;
    const found = contatos.filter((c) => phone === undefined || c.canalCliente === phone);
    return success(found.slice(body.options.skip, body.options.skip + body.options.limit));
  });

  app.post("/api/v1/contato", async (request, reply) => {
    log(request, request.body);
    const body = ContatoBody.safeParse(request.body);
    if (!body.success) return failure(reply, 400, `Contato inválido: ${body.error.issues[0]?.message ?? ""}`);
    if (contatos.some((c) => c.canalCliente === body.data.canalCliente)) {
      return failure(reply, 409, "Já existe um contato com este telefone");
    }
    const contato = { _id: objectId(0x65a00000, contatos.length + 1), ...body.data };
    contatos.push(contato);
    return success(contato);
  });

  app.post("/api/v1/template/send", async (request, reply) => {
    log(request, request.body);
    const body = SendBody.safeParse(request.body);
    if (!body.success)
      return failure(reply, 400, `Requisição inválida: ${body.error.issues[0]?.message ?? ""}`);
    const { contato, template, canal } = body.data;
    if (!canais.includes(canal)) return failure(reply, 404, `Canal ${canal} não encontrado`);
    const found = templates.find((t) => t._id === template._id);
    if (!found) return failure(reply, 404, `Template ${template._id} não encontrado`);
    const expected = placeholderCount(found.texto);
    if (template.variaveis.length !== expected) {
      return failure(
        reply,
        400,
        `O template espera ${expected} variáveis, recebeu ${template.variaveis.length}`,
      );
    }
    if (!contatos.some((c) => c.canalCliente === contato.canalCliente)) {
      return failure(reply, 404, `Contato ${contato.canalCliente} não encontrado`);
    }
    const n = messages.length + 1;
    const texto = found.texto.replace(
      /\{\{\s*(\d+)\s*\}\}/g,
      (_, i: string) => template.variaveis[Number(i) - 1] ?? "",
    );
    const message: OpaMessage = {
      _id: objectId(0x66b00000, n),
      id_rota: objectId(0x66c00000, n),
      canal,
      canalCliente: contato.canalCliente,
      template: found._id,
      mensagem: texto,
      data: now().toISOString(),
      status: "enviado",
    };
    messages.push(message);
    return success({ _id: message._id, id_rota: message.id_rota, status: message.status });
  });

  app.get<{ Params: { id: string } }>("/api/v1/atendimento/mensagem/:id", async (request, reply) => {
    log(request, undefined);
    const message = messages.find((m) => m._id === request.params.id);
    if (!message) return failure(reply, 404, "Mensagem não encontrada");
    return success(message);
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fake Opa: no TCP address");
  return {
    url: `http://127.0.0.1:${address.port}`,
    canais,
    templates,
    contatos,
    messages,
    requests,
    close: () => app.close(),
    setStatus(messageId, status) {
      const message = messages.find((m) => m._id === messageId);
      if (!message) throw new Error(`fake Opa: no message ${messageId}`);
      message.status = status;
    },
    failNext(code, message) {
      faults.push({ code, message });
    },
  };
}
