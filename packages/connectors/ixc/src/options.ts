import { z } from "zod";

/**
 * Options as written under `sources[].options` in régua's config, validated when the source is
 * created. `token` arrives resolved from `{ env: NAME }` by the runner.
 */
export const IxcOptions = z.object({
  /** The IXC host, with or without /webservice/v1: https://ixc.provedor.com.br */
  baseUrl: z.url().transform((url) => url.replace(/\/+$/, "").replace(/\/webservice\/v1$/, "")),
  /** The id of the IXC user the token belongs to (Configurações → Usuários). */
  userId: z.string().regex(/^\d+$/, "must be the numeric id of the IXC user"),
  /** The user's webservice token; Basic auth sends base64("<userId>:<token>"). */
  token: z.string().min(1),
  tls: z.object({ rejectUnauthorized: z.boolean().default(true) }).default({ rejectUnauthorized: true }),
  /** Rows per grid page (`rp`). IXC answers large pages slowly; 500 is a safe default. */
  pageSize: z.number().int().min(1).max(5_000).default(500),
  timeoutMs: z.number().int().positive().default(60_000),
  /** Requests a second to the webservice: IXC runs on the ISP's own server, shared with its staff. */
  requestsPerSecond: z.number().positive().default(5),
  /**
   * IXC stamps (`ultima_atualizacao`, "YYYY-MM-DD HH:MM:SS") are the server's local wall clock
   * with no zone; this is its UTC offset. Brazil has had no daylight saving time since 2019.
   */
  serverUtcOffset: z
    .string()
    .regex(/^[+-]\d{2}:\d{2}$/)
    .default("-03:00"),
  /** The column that moves on every change, used for incremental listing. */
  changeField: z.string().regex(/^\w+$/).default("ultima_atualizacao"),
  /** Only receivables released for collection (`liberado = S`); unreleased ones are future bills. */
  releasedOnly: z.boolean().default(true),
  /** Whether the tenant has PIX on its bank accounts (get_pix). */
  pix: z.boolean().default(true),
  /**
   * getInvoice (the read before a send) also fetches the PIX code and, for a receivable whose
   * boleto was never printed, generates it (get_boleto) to read its linha digitável.
   */
  instrumentsOnRead: z.boolean().default(true),
  /** Region for phones typed without a country code. */
  defaultRegion: z.string().length(2).default("BR"),
  /**
   * Write-back as a ticket (su_ticket) per contact, with the tenant's own subject and sector ids
   * (`regua check` confirms both exist). Left out: no write-back.
   */
  ticket: z
    .object({
      idAssunto: z.string().regex(/^\d+$/),
      idTicketSetor: z.string().regex(/^\d+$/),
      /** IXC priorities: B (baixa), M (média), A (alta), C (crítica). */
      prioridade: z.enum(["B", "M", "A", "C"]).default("M"),
    })
    .optional(),
});

export type IxcOptionsInput = z.input<typeof IxcOptions>;
export type IxcOptions = z.output<typeof IxcOptions>;
