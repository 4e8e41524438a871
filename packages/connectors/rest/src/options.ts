import { ActivityKind, CurrencyCode, InvoiceStatus } from "@regua/core";
import { z } from "zod";

/**
 * The connector's options, as written under `sources[].options` in the runner's YAML.
 * Every field path is a dot path into the ERP's JSON ("boleto.digitable_line", "items.0.id").
 */
const JsonPath = z.string().min(1, "must be a JSON path such as data or meta.next_page");

const Auth = z.discriminatedUnion("type", [
  z.object({ type: z.literal("bearer"), token: z.string().min(1) }),
  z.object({ type: z.literal("basic"), username: z.string().min(1), password: z.string() }),
  z.object({
    type: z.literal("apiKey"),
    header: z.string().min(1).default("X-API-Key"),
    value: z.string().min(1),
  }),
  z.object({ type: z.literal("none") }),
]);
export type RestAuth = z.output<typeof Auth>;

const Paging = z.discriminatedUnion("style", [
  z.object({
    style: z.literal("page"),
    pageParam: z.string().default("page"),
    sizeParam: z.string().default("per_page"),
    size: z.number().int().positive().default(100),
    firstPage: z.number().int().min(0).default(1),
    /** Where the body names the next page (a number, or null on the last page). Absent: a short page ends. */
    nextPage: JsonPath.optional(),
  }),
  z.object({
    style: z.literal("offset"),
    offsetParam: z.string().default("offset"),
    limitParam: z.string().default("limit"),
    size: z.number().int().positive().default(100),
  }),
  z.object({
    style: z.literal("cursor"),
    param: z.string().default("cursor"),
    /** Where the body carries the next cursor (null or "" on the last page). */
    next: JsonPath,
    sizeParam: z.string().optional(),
    size: z.number().int().positive().optional(),
  }),
  z.object({
    style: z.literal("link"),
    /** Where the body carries the next page's URL; absent: the `Link: <…>; rel="next"` header. */
    next: JsonPath.optional(),
    sizeParam: z.string().optional(),
    size: z.number().int().positive().optional(),
  }),
  z.object({ style: z.literal("none") }),
]);
export type RestPaging = z.output<typeof Paging>;

const Since = z.object({
  /** Query parameter carrying the change marker: "updated_since", "modified_after", … */
  param: z.string().min(1),
  /** iso: 2026-03-14T12:00:00.000Z; date: 2026-03-14 (one day of overlap); unix / unix_ms: epoch numbers. */
  format: z.enum(["iso", "date", "unix", "unix_ms"]).default("iso"),
});

const Common = {
  path: z.string().startsWith("/", "must start with /"),
  /** Where the records are in the body ("data", "result.items"); absent: the body is the array. */
  list: JsonPath.optional(),
  paging: Paging.default({ style: "none" }),
  /** Incremental listing; without it (or without fields.updatedAt) every sync is a full listing. */
  since: Since.optional(),
  /** Fixed query parameters sent on every list request. */
  query: z.record(z.string(), z.string()).default({}),
};

const CustomerFields = z.object({
  externalId: JsonPath,
  name: JsonPath,
  taxId: JsonPath.optional(),
  phones: z.union([JsonPath, z.array(JsonPath)]).optional(),
  email: JsonPath.optional(),
  segment: JsonPath.optional(),
  tags: JsonPath.optional(),
  value: JsonPath.optional(),
  country: JsonPath.optional(),
  language: JsonPath.optional(),
  updatedAt: JsonPath.optional(),
});

const InvoiceFields = z.object({
  externalId: JsonPath,
  /** Default: the externalId. */
  number: JsonPath.optional(),
  customerRef: JsonPath,
  /** Default: the due date, for ERPs that have none. */
  issueDate: JsonPath.optional(),
  dueDate: JsonPath,
  total: JsonPath,
  /** The open balance. Without it: total − paidAmount, or total (0 when the status maps to paid/void). */
  openAmount: JsonPath.optional(),
  paidAmount: JsonPath.optional(),
  /** Default: the `currency` option. */
  currency: JsonPath.optional(),
  /** Mapped through `statusMap`; without it the status follows the open amount. */
  status: JsonPath.optional(),
  boletoLine: JsonPath.optional(),
  pixCode: JsonPath.optional(),
  payLink: JsonPath.optional(),
  documentUrl: JsonPath.optional(),
  updatedAt: JsonPath.optional(),
});

const PaymentFields = z.object({
  externalId: JsonPath,
  customerRef: JsonPath.optional(),
  date: JsonPath,
  amount: JsonPath,
  currency: JsonPath.optional(),
  /** An array of allocations; `allocationInvoiceRef` / `allocationAmount` are paths inside each. */
  allocations: JsonPath.optional(),
  allocationInvoiceRef: JsonPath.default("invoice_id"),
  allocationAmount: JsonPath.default("amount"),
  updatedAt: JsonPath.optional(),
});

const ActivityFields = z.object({
  key: JsonPath.optional(),
  kind: JsonPath.default("kind"),
  customerRef: JsonPath.default("customer_id"),
  invoiceRefs: JsonPath.default("invoice_ids"),
  occurredAt: JsonPath.default("occurred_at"),
  channel: JsonPath.optional(),
  providerMessageId: JsonPath.optional(),
  subject: JsonPath.default("subject"),
  details: JsonPath.optional(),
});

const WebhookEventType = z.object({
  entity: z.enum(["customers", "invoices", "payments"]),
  /** "deleted" for an event that says the record is gone; the engine stops dunning it. */
  kind: z.enum(["changed", "deleted"]).default("changed"),
});

/**
 * Webhooks the ERP sends to `POST /webhooks/connector-rest/<source id>`, signed with an
 * HMAC-SHA256 of the raw body. An event only says what changed; the engine reads the record
 * back (getInvoice, or the next incremental listing), so a forged body cannot plant data.
 */
const Webhook = z.object({
  secret: z.string().min(16, "must be at least 16 characters (the ERP's webhook signing secret)"),
  signatureHeader: z.string().min(1).default("X-Signature"),
  /** How the digest is written: hex (GitHub-style) or base64 (Shopify/Intuit-style). */
  signatureEncoding: z.enum(["hex", "base64"]).default("hex"),
  /** Text before the digest, e.g. "sha256=". */
  signaturePrefix: z.string().default(""),
  /** Where the events are in the body; absent: the body is one event, or an array of events. */
  events: JsonPath.optional(),
  /** Path inside an event to its type ("type", "event"). */
  type: JsonPath.default("type"),
  /** Path inside an event to the id of the record it is about. */
  id: JsonPath,
  /** Event type → the entity it is about. Types not listed are acknowledged and ignored. */
  types: z.record(z.string(), WebhookEventType).refine((t) => Object.keys(t).length > 0, {
    message: "must map at least one event type, e.g. invoice.paid: { entity: invoices }",
  }),
});
export type RestWebhookOptions = z.output<typeof Webhook>;

export const RestConnectorOptions = z
  .object({
    baseUrl: z.url(),
    auth: Auth,
    /** Names the system in error messages; default the base URL's host. */
    system: z.string().min(1).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeoutMs: z.number().int().positive().default(30_000),
    rejectUnauthorized: z.boolean().default(true),
    currency: CurrencyCode.default("BRL"),
    /** Region for phones without a country code (ISO 3166 alpha-2). */
    defaultRegion: z.string().length(2).toUpperCase().default("BR"),
    /** Country for tax ids when the record has none; default `defaultRegion`. */
    country: z.string().length(2).toUpperCase().optional(),
    /** "." for 1234.56; "," for 1.234,56. JSON numbers are read as they are. */
    decimalSeparator: z.enum([".", ","]).default("."),
    /** ymd: 2026-03-14 (and ISO timestamps); dmy: 14/03/2026. */
    dateOrder: z.enum(["ymd", "dmy"]).default("ymd"),
    resources: z.object({
      customers: z.object({ ...Common, fields: CustomerFields }),
      invoices: z.object({
        ...Common,
        fields: InvoiceFields,
        /** ERP status value → canonical status: { aberta: open, paga: paid, cancelada: void }. */
        statusMap: z.record(z.string(), InvoiceStatus).default({}),
      }),
      payments: z.object({ ...Common, fields: PaymentFields }).optional(),
    }),
    /** A single-invoice read: `{id}` is replaced by the URL-encoded externalId. */
    getInvoice: z
      .object({
        path: z.string().startsWith("/").includes("{id}", { message: "must contain {id}" }),
        /** Where the record is in the body ("data"); absent: the body is the record. */
        record: JsonPath.optional(),
      })
      .optional(),
    activities: z
      .object({
        path: z.string().startsWith("/"),
        /** Header carrying the activity key; the ERP answers 201 when it creates, 200 when it had it. */
        idempotencyHeader: z.string().min(1).optional(),
        /**
         * For ERPs without idempotency headers: a GET that finds an activity by key before
         * writing (`{key}` is replaced), with `list` locating the matches.
         */
        lookup: z
          .object({ path: z.string().startsWith("/").includes("{key}"), list: JsonPath.optional() })
          .optional(),
        fields: ActivityFields.default(ActivityFields.parse({})),
        /** Canonical kind → the ERP's activity type. Unlisted kinds are sent as they are. */
        kindMap: z.partialRecord(ActivityKind, z.string()).default({}),
        /** Where the created record is in the answer ("data"), and its id inside it. */
        record: JsonPath.optional(),
        id: JsonPath.default("id"),
      })
      .refine((a) => a.idempotencyHeader || a.lookup, {
        message: "needs idempotencyHeader or lookup, so a retry never writes an activity twice",
      })
      .optional(),
    webhook: Webhook.optional(),
    /** GET used by healthCheck; default: one record of customers. */
    health: z.object({ path: z.string().startsWith("/") }).optional(),
    retry: z
      .object({
        attempts: z.number().int().min(1).max(10).default(4),
        baseMs: z.number().int().positive().default(500),
        maxMs: z.number().int().positive().default(30_000),
        /** A Retry-After longer than this is not waited out here: the error goes to the engine. */
        maxRetryAfterMs: z.number().int().positive().default(60_000),
      })
      .default({ attempts: 4, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 }),
    /** Client-side limit, requests a second. */
    rateLimit: z.object({ perSecond: z.number().positive() }).optional(),
    /** Where the ERP's error body has its message and code; default: common shapes are tried. */
    errors: z.object({ message: JsonPath.optional(), code: JsonPath.optional() }).default({}),
  })
  .strict();

export type RestConnectorOptions = z.output<typeof RestConnectorOptions>;
export type RestConnectorOptionsInput = z.input<typeof RestConnectorOptions>;
export type CustomerFieldMap = z.output<typeof CustomerFields>;
export type InvoiceFieldMap = z.output<typeof InvoiceFields>;
export type PaymentFieldMap = z.output<typeof PaymentFields>;
export type ActivityFieldMap = z.output<typeof ActivityFields>;
/** What paging needs of a resource (every entity has it). */
export type ResourceOptions = Pick<
  RestConnectorOptions["resources"]["customers"],
  "path" | "list" | "paging" | "since" | "query"
>;
