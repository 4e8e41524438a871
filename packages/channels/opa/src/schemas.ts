import { z } from "zod";

/**
 * Opa! Suite options, as written under `channels[].options`; `token` arrives resolved from
 * `{ env: NAME }` by the runner.
 */
export const OpaOptionsSchema = z.object({
  /** The tenant's Opa host, with or without /api/v1: https://meuprovedor.opasuite.com.br */
  baseUrl: z.url().transform((url) => url.replace(/\/+$/, "").replace(/\/api\/v1$/, "")),
  /** The API token (Opa: Configurações → API), sent as a Bearer token. */
  token: z.string().min(1),
  /** The id of the WhatsApp channel in Opa (`canal`) the templates go out through. */
  channelId: z.string().min(1),
  /**
   * régua template name → Opa template `_id`. A name left out is looked up by the template's
   * `atalho` (its shortcut in Opa), so a template named like its atalho needs no entry here.
   */
  templates: z.record(z.string(), z.string().min(1)).default({}),
  /** Sends a second. Opa publishes no limit; WhatsApp's own pacing applies behind it. */
  perSecond: z.number().positive().max(1_000).default(5),
  timeoutMs: z.number().int().positive().default(30_000),
});
export type OpaOptions = z.output<typeof OpaOptionsSchema>;
export type OpaOptionsInput = z.input<typeof OpaOptionsSchema>;

/** Opa's answer envelope: `{status: "success", code: 200, data}`. */
export const Envelope = z.object({
  status: z.string(),
  code: z.coerce.number().optional(),
  data: z.unknown(),
});

/** Opa's error answer: `{status: "error", code, message}` (some versions say `mensagem`). */
export const ErrorBody = z.object({
  status: z.literal("error"),
  code: z.coerce.number().optional(),
  message: z.string().optional(),
  mensagem: z.string().optional(),
});

/** GET /api/v1/template: `{_id, texto, atalho, tipo_mensagem, departamentos}`. */
export const Template = z.object({
  _id: z.string(),
  texto: z.string().default(""),
  atalho: z.string().default(""),
  tipo_mensagem: z.string().optional(),
});
export type Template = z.infer<typeof Template>;

export const Contato = z.object({ _id: z.string(), canalCliente: z.string().optional() });

/**
 * POST /api/v1/template/send. Public clients only check the status; the message and attendance
 * ids are read from `data` where present (`_id` / `id`, `id_rota`).
 */
export const SendAnswer = z.object({
  _id: z.string().optional(),
  id: z.string().optional(),
  id_rota: z.string().optional(),
});

/** A message of an attendance (GET /api/v1/atendimento/mensagem/{id}). */
export const Message = z.object({
  _id: z.string(),
  status: z.string().optional(),
  data: z.string().optional(),
  canalCliente: z.string().optional(),
});
