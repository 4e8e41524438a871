import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { z } from "zod";
import { generateDataset } from "../generator.js";
import {
  datasetToWire,
  type RestErpActivity,
  type RestErpData,
  type RestErpInvoice,
  type RestErpPayment,
  toSaoPauloTimestamp,
} from "./data.js";

export interface FakeRestErpOptions {
  seed: number;
  /** How many customers to generate (each gets 1..5 invoices). */
  customers: number;
  /** The day the data is "as of" (YYYY-MM-DD). */
  today: string;
  /** The API token clients must send as `Authorization: Bearer <token>`. */
  token: string;
  /** Default `per_page` when the client sends none. Default 25; the server caps it at 100. */
  pageSize?: number;
  /** A fixed-window limit: more than `requests` in `windowMs` gets 429 with Retry-After. */
  rateLimit?: { requests: number; windowMs: number; retryAfterSeconds?: number };
  /** The server's clock for updated_at / created_at stamps. Default: the system clock. */
  now?: () => Date;
}

export type RestErpEntity = "customers" | "invoices" | "payments";

export interface FakeRestErp {
  /** Base URL, e.g. "http://127.0.0.1:40123" (the API lives under /api). */
  url: string;
  close(): Promise<void>;
  /** The live records the server answers from; tests may edit them (then `touch` to move updated_at). */
  data: RestErpData;
  /** Every request the server received, in order (method and URL with the query string). */
  requests: { method: string; url: string }[];
  /** Pays the invoice's balance in full on `date` (YYYY-MM-DD): a new payment, both updated_at move. */
  markPaid(invoiceId: number | string, date: string): RestErpPayment;
  /** Cancels the invoice: status `cancelada`, nothing owed, updated_at moves. */
  cancel(invoiceId: number | string): RestErpInvoice;
  /** Deletes a record outright, as an ERP that hard-deletes does: listings no longer return it. */
  remove(entity: RestErpEntity, id: number | string): void;
  /** Moves a record's updated_at to now, as an edit in the ERP would. */
  touch(entity: RestErpEntity, id: number | string): void;
  /** The next `times` API requests get 429 with `Retry-After: retryAfterSeconds`. */
  throttleNext(times?: number, retryAfterSeconds?: number): void;
  /** The next `times` API requests get `status` (default 503) with a JSON error. */
  failNext(times?: number, status?: number): void;
}

const ListQuery = z.object({
  updated_since: z.iso.datetime({ offset: true }).optional(),
  page: z.coerce.number().int().min(1).default(1),
  per_page: z.coerce.number().int().min(1).max(100).optional(),
});

const ActivityBody = z.object({
  customer_id: z.string().min(1),
  invoice_ids: z.array(z.string()).default([]),
  type: z.string().min(1),
  subject: z.string().min(1).max(200),
  description: z.string().default(""),
  occurred_at: z.iso.datetime({ offset: true }),
  channel: z.string().nullable().default(null),
  provider_message_id: z.string().nullable().default(null),
});

type WithId = { id: number | string; updated_at: string };

function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}

/**
 * A fake of a typical Brazilian ERP's REST API, served over real HTTP on 127.0.0.1:
 * bearer-token auth, `?updated_since=&page=&per_page=` listings with a `meta` block,
 * a single-invoice read, and activities written with an `Idempotency-Key` header.
 */
export async function startFakeRestErp(options: FakeRestErpOptions): Promise<FakeRestErp> {
  const now = options.now ?? (() => new Date());
  const dataset = generateDataset({ seed: options.seed, customers: options.customers, today: options.today });
  const data = datasetToWire(dataset);
  const requests: FakeRestErp["requests"] = [];
  const injected: { status: number; remaining: number; retryAfterSeconds: number }[] = [];
  let window = { startedAt: 0, count: 0 };

  // updated_at only ever moves forward, one second past the newest stamp at least, so an
  // incremental client holding the newest stamp always sees the next change.
  const nextStamp = (): string => {
    const newest = Math.max(
      ...[...data.customers, ...data.invoices, ...data.payments].map((r) => Date.parse(r.updated_at)),
    );
    const ms = Math.max(now().getTime(), newest + 1000);
    return toSaoPauloTimestamp(Math.floor(ms / 1000) * 1000);
  };

  const app = Fastify({ logger: false });

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    requests.push({ method: request.method, url: request.url });
    const fault = injected[0];
    if (fault) {
      fault.remaining -= 1;
      if (fault.remaining <= 0) injected.shift();
      if (fault.status === 429) return tooMany(reply, fault.retryAfterSeconds);
      return reply
        .code(fault.status)
        .send(errorBody("server_error", `Internal error (injected ${fault.status})`));
    }
    if (options.rateLimit) {
      const t = now().getTime();
      if (t - window.startedAt >= options.rateLimit.windowMs) window = { startedAt: t, count: 0 };
      window.count += 1;
      if (window.count > options.rateLimit.requests)
        return tooMany(reply, options.rateLimit.retryAfterSeconds ?? 1);
    }
    const auth = request.headers.authorization;
    if (auth !== `Bearer ${options.token}`) {
      return reply.code(401).send(errorBody("unauthorized", "Invalid or missing API token"));
    }
  });

  const list =
    <T extends WithId>(rows: () => T[], compare: (a: T, b: T) => number) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const query = ListQuery.safeParse(request.query);
      if (!query.success) {
        return reply
          .code(400)
          .send(errorBody("invalid_parameter", query.error.issues[0]?.message ?? "bad query"));
      }
      const { page, updated_since: since } = query.data;
      const perPage = query.data.per_page ?? Math.min(options.pageSize ?? 25, 100);
      const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
      const matching = rows()
        .filter((r) => Date.parse(r.updated_at) >= sinceMs)
        .sort(compare);
      const slice = matching.slice((page - 1) * perPage, page * perPage);
      const nextPage = page * perPage < matching.length ? page + 1 : null;
      return { data: slice, meta: { page, per_page: perPage, total: matching.length, next_page: nextPage } };
    };

  app.get(
    "/api/customers",
    list(
      () => data.customers,
      (a, b) => a.id.localeCompare(b.id),
    ),
  );
  app.get(
    "/api/invoices",
    list(
      () => data.invoices,
      (a, b) => a.id - b.id,
    ),
  );
  app.get(
    "/api/payments",
    list(
      () => data.payments,
      (a, b) => a.id - b.id,
    ),
  );

  app.get<{ Params: { id: string } }>("/api/invoices/:id", async (request, reply) => {
    const invoice = data.invoices.find((i) => String(i.id) === request.params.id);
    if (!invoice)
      return reply.code(404).send(errorBody("not_found", `Invoice ${request.params.id} not found`));
    return { data: invoice };
  });

  app.post("/api/activities", async (request, reply) => {
    const key = request.headers["idempotency-key"];
    const idempotencyKey = typeof key === "string" && key !== "" ? key : null;
    const existing = idempotencyKey
      ? data.activities.find((a) => a.idempotency_key === idempotencyKey)
      : undefined;
    if (existing) return reply.code(200).send({ data: existing });
    const body = ActivityBody.safeParse(request.body);
    if (!body.success) {
      const issues = body.error.issues.map((i) => ({ field: i.path.join("."), message: i.message }));
      return reply.code(422).send(errorBody("validation_failed", "The activity is invalid", issues));
    }
    if (!data.customers.some((c) => c.id === body.data.customer_id)) {
      return reply
        .code(422)
        .send(errorBody("validation_failed", `Unknown customer ${body.data.customer_id}`));
    }
    const activity: RestErpActivity = {
      id: `act_${data.activities.length + 1}`,
      idempotency_key: idempotencyKey,
      ...body.data,
      created_at: toSaoPauloTimestamp(now().getTime()),
    };
    data.activities.push(activity);
    return reply.code(201).send({ data: activity });
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fake REST ERP: no TCP address");

  const find = (entity: RestErpEntity, id: number | string): WithId => {
    const rows: WithId[] = data[entity];
    const row = rows.find((r) => String(r.id) === String(id));
    if (!row) throw new Error(`fake REST ERP: no ${entity} ${id}`);
    return row;
  };

  return {
    url: `http://127.0.0.1:${address.port}`,
    data,
    requests,
    close: () => app.close(),
    markPaid(invoiceId, date) {
      const invoice = find("invoices", invoiceId) as RestErpInvoice;
      const amount = invoice.balance;
      const stamp = nextStamp();
      Object.assign(invoice, {
        amount_paid: invoice.total,
        balance: "0.00",
        status: "paga",
        updated_at: stamp,
      });
      const payment: RestErpPayment = {
        id: Math.max(0, ...data.payments.map((p) => p.id)) + 1,
        customer_id: invoice.customer_id,
        date,
        amount,
        allocations: [{ invoice_id: invoice.id, amount }],
        updated_at: stamp,
      };
      data.payments.push(payment);
      return payment;
    },
    cancel(invoiceId) {
      const invoice = find("invoices", invoiceId) as RestErpInvoice;
      return Object.assign(invoice, { status: "cancelada", balance: "0.00", updated_at: nextStamp() });
    },
    remove(entity, id) {
      const rows: WithId[] = data[entity];
      rows.splice(rows.indexOf(find(entity, id)), 1);
    },
    touch(entity, id) {
      find(entity, id).updated_at = nextStamp();
    },
    throttleNext(times = 1, retryAfterSeconds = 1) {
      injected.push({ status: 429, remaining: times, retryAfterSeconds });
    },
    failNext(times = 1, status = 503) {
      injected.push({ status, remaining: times, retryAfterSeconds: 0 });
    },
  };
}

function tooMany(reply: FastifyReply, retryAfterSeconds: number) {
  return reply
    .code(429)
    .header("retry-after", String(retryAfterSeconds))
    .send(errorBody("rate_limited", `Too many requests; retry after ${retryAfterSeconds}s`));
}
