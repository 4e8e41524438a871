import { z } from "zod";

/** Intuit's hosts (developer.intuit.com → "Base URLs" and OAuth 2.0 endpoints). */
export const INTUIT = {
  production: "https://quickbooks.api.intuit.com",
  sandbox: "https://sandbox-quickbooks.api.intuit.com",
  tokenUrl: "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
  authorizeUrl: "https://appcenter.intuit.com/connect/oauth2",
  scope: "com.intuit.quickbooks.accounting",
} as const;

/**
 * Options as written under `sources[].options`, validated when the source is created. Secrets
 * arrive resolved from `{ env: NAME }` by the runner. Tokens are not options: `regua auth
 * quickbooks` stores them (encrypted) in the store, where they rotate.
 */
export const QuickBooksOptions = z.object({
  /** The company id ("realmId"), shown after the app is connected. */
  realmId: z.string().regex(/^\d+$/, "must be the numeric company id (realmId)"),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  environment: z.enum(["production", "sandbox"]).default("production"),
  /** Overrides the API host (a proxy, or the fake in tests); without /v3. */
  baseUrl: z
    .url()
    .transform((url) => url.replace(/\/+$/, ""))
    .optional(),
  tokenUrl: z.url().default(INTUIT.tokenUrl),
  authorizeUrl: z.url().default(INTUIT.authorizeUrl),
  /** API minor version; Intuit retires old ones (75 is the floor since 2025). */
  minorVersion: z.number().int().min(1).default(75),
  /** MAXRESULTS per query page; QuickBooks allows at most 1000. */
  pageSize: z.number().int().min(1).max(1000).default(1000),
  /**
   * A refresh token to start from while the store holds none (after that the stored, rotated
   * one is used). `regua auth quickbooks` is the usual way to get one.
   */
  refreshToken: z.string().min(1).optional(),
  /** The webhooks "Verifier Token" from the app's Webhooks page: signs `intuit-signature`. */
  webhookVerifierToken: z.string().min(1).optional(),
  /** Where a QuickBooks user sees régua's contacts: a note attached to the invoice, or its PrivateNote. */
  writeBack: z
    .object({ mode: z.enum(["attachable", "privateNote"]).default("attachable") })
    .default({ mode: "attachable" }),
  /** The company's home currency; read from Preferences when left out. */
  homeCurrency: z
    .string()
    .regex(/^[A-Z]{3}$/)
    .optional(),
  /** Region for phone numbers without a country code. */
  defaultRegion: z.string().length(2).default("BR"),
  /**
   * Intuit's per-realm throttle (500 a minute, 10 a second, 10 in flight). Lower them to leave
   * room for other apps on the same company; higher numbers only make sense against a test server.
   */
  limits: z
    .object({
      perMinute: z.number().positive().default(500),
      perSecond: z.number().int().positive().default(10),
      concurrency: z.number().int().positive().max(10).default(10),
    })
    .default({ perMinute: 500, perSecond: 10, concurrency: 10 }),
  timeoutMs: z.number().int().positive().default(120_000),
});

export type QuickBooksOptionsInput = z.input<typeof QuickBooksOptions>;
export type QuickBooksOptions = z.output<typeof QuickBooksOptions>;

export function apiBase(options: QuickBooksOptions): string {
  return options.baseUrl ?? INTUIT[options.environment];
}
