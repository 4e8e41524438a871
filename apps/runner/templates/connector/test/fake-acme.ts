import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { AcmeCustomer, AcmeInvoice, AcmePayment } from "../src/schemas.js";

/**
 * A fake Acme API for tests: the same routes, payloads, paging, auth and error bodies as the
 * real one (keep it faithful to the vendor's documentation: the conformance suites are only as
 * good as this fake). Bearer token; `GET /api/{customers,invoices,payments}?limit&cursor&updated_since`
 * ordered by (updated_at, id) with an opaque keyset cursor; `GET /api/invoices/:id`;
 * `POST /api/activities` deduped on Idempotency-Key.
 */
export interface FakeAcme {
  url: string;
  customers: AcmeCustomer[];
  invoices: AcmeInvoice[];
  payments: AcmePayment[];
  activities: { id: string; key: string; body: unknown }[];
  /** Pays the invoice's balance in full: a new payment, both stamps move. */
  markPaid(invoiceId: string): void;
  /** Cancels the invoice in Acme: status cancelled, its stamp moves. */
  cancel(invoiceId: string): void;
  /** The next `times` requests answer `status` with Acme's error body (503: a transient outage). */
  failNext(times: number, status?: number): void;
  close(): Promise<void>;
}

type Row = { id: string; updated_at: string };
const MAX_PAGE = 100;

export async function startFakeAcme(options: { token: string; customers?: number }): Promise<FakeAcme> {
  let tick = Date.parse("2026-03-01T12:00:00Z");
  const stamp = () => {
    tick += 1000;
    return new Date(tick).toISOString();
  };
  const fake = seed(options.customers ?? 6, stamp);
  const failures: { status: number; remaining: number }[] = [];
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, problem("internal", String(error))));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    if (req.headers.authorization !== `Bearer ${options.token}`) {
      return send(res, 401, problem("invalid_token", "The access token is invalid or expired"));
    }
    const failure = failures[0];
    if (failure) {
      if (--failure.remaining <= 0) failures.shift();
      return send(res, failure.status, problem("unavailable", "Service temporarily unavailable"));
    }
    const [, api, table, id] = url.pathname.split("/");
    if (api !== "api") return send(res, 404, problem("not_found", `No route ${url.pathname}`));
    if (req.method === "POST" && table === "activities") return activity(req, res);
    const rows = { customers: fake.customers, invoices: fake.invoices, payments: fake.payments }[table ?? ""];
    if (req.method !== "GET" || !rows)
      return send(res, 404, problem("not_found", `No route ${url.pathname}`));
    if (id !== undefined) {
      const row = rows.find((r) => r.id === decodeURIComponent(id));
      return row ? send(res, 200, row) : send(res, 404, problem("not_found", `No ${table} ${id}`));
    }
    return list(res, rows, url.searchParams);
  }

  function list(res: ServerResponse, rows: Row[], query: URLSearchParams): void {
    const limit = Math.min(Number(query.get("limit") ?? 25) || 25, MAX_PAGE);
    const since = query.get("updated_since");
    const after = query.get("cursor");
    const key = (r: Row) => `${r.updated_at}|${r.id.padStart(12, "0")}`;
    const from = after === null ? "" : Buffer.from(after, "base64url").toString();
    const matching = rows
      .filter((r) => since === null || r.updated_at >= since)
      .sort((a, b) => key(a).localeCompare(key(b)))
      .filter((r) => key(r) > from);
    const data = matching.slice(0, limit);
    const last = data.at(-1);
    const more = matching.length > limit && last !== undefined;
    send(res, 200, { data, next_cursor: more ? Buffer.from(key(last)).toString("base64url") : null });
  }

  async function activity(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const key = req.headers["idempotency-key"];
    if (typeof key !== "string" || key === "") {
      return send(res, 422, problem("idempotency_key_required", "Idempotency-Key header is required"));
    }
    const seen = fake.activities.find((a) => a.key === key);
    if (seen) return send(res, 200, { id: seen.id });
    const body: unknown = JSON.parse(await read(req));
    const created = { id: randomUUID(), key, body };
    fake.activities.push(created);
    send(res, 201, { id: created.id });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...fake,
    url: `http://127.0.0.1:${port}`,
    markPaid(invoiceId) {
      const invoice = find(fake.invoices, invoiceId);
      const at = stamp();
      fake.payments.push({
        id: String(fake.payments.length + 1),
        customer_id: invoice.customer_id,
        invoice_id: invoice.id,
        paid_on: at.slice(0, 10),
        amount: invoice.balance,
        currency: invoice.currency,
        updated_at: at,
      });
      Object.assign(invoice, { balance: "0.00", status: "paid", updated_at: at });
    },
    cancel(invoiceId) {
      Object.assign(find(fake.invoices, invoiceId), { status: "cancelled", updated_at: stamp() });
    },
    failNext(times, status = 503) {
      failures.push({ status, remaining: times });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A small, deterministic data set: valid CPFs, Brazilian mobile numbers, open and paid invoices. */
function seed(count: number, stamp: () => string) {
  const CPFS = ["52998224725", "11144477735", "39053344705", "15350946056", "71428793860", "87748248800"];
  const customers: AcmeCustomer[] = [];
  const invoices: AcmeInvoice[] = [];
  const payments: AcmePayment[] = [];
  for (let c = 1; c <= count; c++) {
    customers.push({
      id: String(c),
      name: `Cliente ${c} Ltda`,
      tax_id: CPFS[(c - 1) % CPFS.length] ?? null,
      email: `cliente${c}@example.com`,
      phone: `+55 11 9${String(8000_0000 + c).padStart(8, "0")}`,
      updated_at: stamp(),
    });
    for (let i = 1; i <= 3; i++) {
      const paid = i === 3;
      const total = `${100 * c + 10 * i}.50`;
      invoices.push({
        id: String(c * 100 + i),
        number: `NF-${c}-${i}`,
        customer_id: String(c),
        issued_on: "2026-02-01",
        due_on: `2026-03-${String(5 * i).padStart(2, "0")}`,
        total,
        balance: paid ? "0.00" : total,
        currency: "BRL",
        status: paid ? "paid" : "open",
        barcode: paid
          ? null
          : `23793.38128 60000.000003 ${String(c * 100 + i).padStart(5, "0")}.000000 1 ${"0".repeat(14)}`,
        updated_at: stamp(),
      });
      if (paid) {
        payments.push({
          id: String(payments.length + 1),
          customer_id: String(c),
          invoice_id: String(c * 100 + i),
          paid_on: "2026-02-20",
          amount: total,
          currency: "BRL",
          updated_at: stamp(),
        });
      }
    }
  }
  return { customers, invoices, payments, activities: [] as FakeAcme["activities"] };
}

function find<T extends Row>(rows: T[], id: string): T {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`fake Acme: no row ${id}`);
  return row;
}

const problem = (code: string, message: string) => ({ error: { code, message } });

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
