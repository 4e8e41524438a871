import { z } from "zod";

/**
 * IXC webservice payloads. The grid answers every value as a string ("129.90", "12", "S"),
 * dates as "YYYY-MM-DD", stamps as "YYYY-MM-DD HH:MM:SS", and "0000-00-00" for an empty date;
 * some versions send a number here and there, so scalars accept both and become strings.
 * Field names are IXC's table columns (cliente, fn_areceber, cliente_contrato, su_ticket), as
 * public IXC webservice clients read them.
 */
const Text = z.union([z.string(), z.number()]).transform(String);
const OptionalText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((value) => (value === null || value === undefined ? "" : String(value)));
const Id = z.union([z.string().regex(/^\d+$/, "must be a numeric id"), z.number().int()]).transform(String);
/** A decimal amount: "129.90", "0", "1234.5". */
const Decimal = z
  .union([z.string(), z.number()])
  .transform(String)
  .pipe(z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal amount such as 129.90"));

/**
 * The grid envelope: `{page, total, registros}`. IXC leaves `registros` out when nothing
 * matched, and reports errors inside a 200 answer as `{type: "error", message}` (read by the
 * client's classify hook before this schema sees the body).
 */
export const GridAnswer = z.object({
  page: Text.optional(),
  total: z.union([z.string(), z.number()]).transform(Number).pipe(z.number().int().min(0)),
  registros: z.array(z.record(z.string(), z.unknown())).default([]),
});
export type GridAnswer = z.infer<typeof GridAnswer>;

/** `{type: "error", message}` — IXC's error answer, at HTTP 200 as often as not. */
export const IxcErrorBody = z.object({ type: z.literal("error"), message: OptionalText });

/** `{type: "success", message, id}` — IXC's answer to an insert. */
export const InsertAnswer = z.object({ type: z.literal("success"), message: OptionalText, id: Id });

/** Columns read as text, absent or null becoming "". */
function texts<const K extends string>(names: readonly K[]): Record<K, typeof OptionalText> {
  return Object.fromEntries(names.map((name) => [name, OptionalText])) as Record<K, typeof OptionalText>;
}

export const Cliente = z.object({
  id: Id,
  ...texts([
    "razao",
    "fantasia",
    "cnpj_cpf",
    "tipo_pessoa",
    "telefone_celular",
    "whatsapp",
    "fone",
    "email",
    "ativo",
    "ultima_atualizacao",
    "data_nascimento",
    "cep",
  ]),
});
export type Cliente = z.infer<typeof Cliente>;

/** A receivable. `status`: A open, R received, P partially received, C cancelled. */
export const Areceber = z.object({
  id: Id,
  id_cliente: Id,
  valor: Decimal,
  valor_aberto: Decimal,
  valor_recebido: Decimal.optional(),
  data_vencimento: Text,
  status: Text,
  ...texts([
    "id_contrato",
    "documento",
    "data_emissao",
    "pagamento_data",
    "liberado",
    "nn_boleto",
    "linha_digitavel",
    "gateway_link",
    "ultima_atualizacao",
  ]),
});
export type Areceber = z.infer<typeof Areceber>;

/**
 * A contract. `status`: A ativo, I inativo, N negativado, D desistiu, P pré-contrato.
 * `status_internet`: A ativo, D desativado, CM bloqueio manual, CA bloqueio automático (the
 * suspension for non-payment), FA financeiro em atraso (flagged, not yet blocked), AA aguardando
 * assinatura.
 */
export const Contrato = z.object({
  id: Id,
  id_cliente: Id,
  ...texts(["contrato", "status", "status_internet", "ultima_atualizacao"]),
});
export type Contrato = z.infer<typeof Contrato>;

/** get_pix: `{type: "success", pix: {qrCode: {qrcode: "000201..."}}}`. */
export const PixAnswer = z.object({
  type: z.literal("success"),
  pix: z.object({ qrCode: z.object({ qrcode: z.string().min(1) }) }),
});
