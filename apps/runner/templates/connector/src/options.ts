import { z } from "zod";

/**
 * What a user writes under `options:` in regua.yaml, parsed before the connector starts.
 * Secrets come as `{ env: NAME }` there; the runner resolves them before this schema runs.
 */
export const AcmeOptions = z.object({
  /** The API root, e.g. https://erp.acme.example (the API lives under /api). */
  baseUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
  /** The API token (Authorization: Bearer). */
  token: z.string().min(1),
  /** Records per page; Acme accepts up to 100. */
  pageSize: z.number().int().min(1).max(100).default(50),
  /** Requests per second this connector allows itself (Acme answers 429 beyond its own limit). */
  requestsPerSecond: z.number().positive().default(5),
  /** Currency of documents that carry none. */
  currency: z.string().length(3).default("BRL"),
});
export type AcmeOptions = z.output<typeof AcmeOptions>;
export type AcmeOptionsInput = z.input<typeof AcmeOptions>;
