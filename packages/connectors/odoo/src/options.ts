import { z } from "zod";

/**
 * Options as written under `sources[].options` in régua's config, validated when the source is
 * created. Secrets (`password`, `apiKey`) arrive resolved from `{ env: NAME }` by the runner.
 */
export const OdooOptions = z
  .object({
    /** Where Odoo answers, without a path: https://mycompany.odoo.com */
    url: z.url().transform((url) => url.replace(/\/+$/, "")),
    /** The database name (X-Odoo-Database on JSON-2; the first argument of every XML-RPC call). */
    database: z.string().min(1),
    /** The user's login (XML-RPC authenticate). JSON-2 needs only the API key. */
    login: z.string().min(1).optional(),
    /** The user's password (XML-RPC only). Prefer an API key: passwords do not work with 2FA. */
    password: z.string().min(1).optional(),
    /** An API key (Preferences → Account Security → New API Key); works on both protocols. */
    apiKey: z.string().min(1).optional(),
    /**
     * "auto" asks /web/version and uses JSON-2 from Odoo 19 on (XML-RPC is deprecated there and
     * removed in Odoo 22), XML-RPC before. Force one with "xmlrpc" or "json2".
     */
    protocol: z.enum(["auto", "xmlrpc", "json2"]).default("auto"),
    /** Records per search_read call. */
    pageSize: z.number().int().min(1).max(5_000).default(500),
    timeoutMs: z.number().int().positive().default(60_000),
    tls: z.object({ rejectUnauthorized: z.boolean().default(true) }).default({ rejectUnauthorized: true }),
    /** Region for phone numbers without a country code and partners without a country. */
    defaultRegion: z.string().length(2).default("BR"),
    /**
     * How contacts are written back on the invoice: a chatter note (message_post, subtype
     * mail.mt_note) or a scheduled activity (mail.activity) for the accountant to act on.
     */
    writeBack: z
      .object({
        mode: z.enum(["note", "activity"]).default("note"),
        /** mail.activity.type id for "activity" (default: the To-Do type of the database). */
        activityTypeId: z.number().int().positive().optional(),
        /** res.users id the activity is assigned to (default: the API user). */
        userId: z.number().int().positive().optional(),
        /** Days after the contact the activity is due. */
        deadlineDays: z.number().int().min(0).default(0),
      })
      .default({ mode: "note", deadlineDays: 0 }),
  })
  .superRefine((options, ctx) => {
    if (!options.apiKey && !options.password) {
      ctx.addIssue({
        code: "custom",
        path: ["apiKey"],
        message: "set apiKey (or login + password for XML-RPC)",
      });
    }
    if (!options.apiKey && options.protocol === "json2") {
      ctx.addIssue({
        code: "custom",
        path: ["apiKey"],
        message: "JSON-2 authenticates with an API key only",
      });
    }
    if (!options.login && options.protocol !== "json2") {
      ctx.addIssue({ code: "custom", path: ["login"], message: "XML-RPC authenticates with a login" });
    }
  });

export type OdooOptionsInput = z.input<typeof OdooOptions>;
export type OdooOptions = z.output<typeof OdooOptions>;
