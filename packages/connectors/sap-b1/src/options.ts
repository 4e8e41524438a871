import { z } from "zod";

/**
 * Options as written under `sources[].options` in régua's config, validated when the source is
 * created. Secrets (`password`) arrive resolved from `{ env: NAME }` by the runner.
 */
export const SapB1Options = z.object({
  /** Where the Service Layer listens, without /b1s: https://sap.local:50000 */
  baseUrl: z.url().transform((url) => url.replace(/\/+$/, "").replace(/\/b1s(\/v[12])?$/, "")),
  /** /b1s/v1 (OData v3-style JSON) or /b1s/v2 (OData v4). */
  version: z.enum(["v1", "v2"]).default("v2"),
  companyDb: z.string().min(1),
  user: z.string().min(1),
  password: z.string().min(1),
  tls: z.object({ rejectUnauthorized: z.boolean().default(true) }).default({ rejectUnauthorized: true }),
  /** Asked with `Prefer: odata.maxpagesize`; the Service Layer's own default is 20. */
  pageSize: z.number().int().min(1).max(10_000).default(500),
  timeoutMs: z.number().int().positive().default(60_000),
  /** User-defined fields on invoices that carry payment instruments. */
  udf: z
    .object({
      boletoLine: z
        .string()
        .regex(/^U_\w+$/)
        .optional(),
      pixCode: z
        .string()
        .regex(/^U_\w+$/)
        .optional(),
      payLink: z
        .string()
        .regex(/^U_\w+$/)
        .optional(),
    })
    .default({}),
  /** Region for phone numbers without a country code and BPs without Country. */
  defaultRegion: z.string().length(2).default("BR"),
  /**
   * IANA time zone of the company server: UpdateDate/UpdateTime are its local wall clock with
   * no zone, so `updatedAt` is converted from it. Incremental filters compare SAP's own stamps
   * and do not depend on it.
   */
  serverTimeZone: z
    .string()
    .refine((zone) => Intl.supportedValuesOf("timeZone").includes(zone) || zone === "UTC", {
      message: "must be an IANA time zone such as America/Sao_Paulo",
    })
    .default("UTC"),
  /** DocCurrency as the company writes it → ISO 4217. Three-letter ISO codes pass as they are. */
  currencies: z
    .record(z.string(), z.string().regex(/^[A-Z]{3}$/))
    .default({ R$: "BRL", US$: "USD", $: "USD", "€": "EUR" }),
  /**
   * The company's local currency ("R$" or "BRL"). Left out, it is read once from the Service
   * Layer (CompanyService_GetAdminInfo → LocalCurrency). Documents in another currency are
   * dunned in their own currency (DocTotalFc/PaidToDateFC).
   */
  localCurrency: z.string().min(1).optional(),
  /** Activity master data codes of the company (OCLT / OCLS / OUSR); left out when not set. */
  activity: z
    .object({
      activityType: z.number().int().optional(),
      subject: z.number().int().optional(),
      handledBy: z.number().int().optional(),
    })
    .default({}),
});

export type SapB1OptionsInput = z.input<typeof SapB1Options>;
export type SapB1Options = z.output<typeof SapB1Options>;
