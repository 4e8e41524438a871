import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeRestErp, type RestErpInvoice, startFakeRestErp } from "../src/rest-erp/index.js";

const TOKEN = "erp-test-token";
let erp: FakeRestErp;

beforeAll(async () => {
  erp = await startFakeRestErp({ seed: 7, customers: 12, today: "2026-03-15", token: TOKEN, pageSize: 10 });
});
afterAll(() => erp.close());

async function call(path: string, init: RequestInit = {}, token = TOKEN) {
  const response = await fetch(`${erp.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { data?: unknown; meta?: unknown; error?: unknown },
  };
}

describe("fake REST ERP", () => {
  it("is deterministic for a seed and speaks a Brazilian ERP's wire format", async () => {
    const again = await startFakeRestErp({ seed: 7, customers: 12, today: "2026-03-15", token: TOKEN });
    try {
      expect(again.data).toEqual(erp.data);
    } finally {
      await again.close();
    }
    const invoice = erp.data.invoices[0]!;
    expect(invoice.total).toMatch(/^\d+\.\d{2}$/);
    expect(invoice.due_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(invoice.updated_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}-03:00$/);
    expect(erp.data.customers[0]!.phone).toMatch(/^\(\d{2}\) 9\d{4}-\d{4}$/);
  });

  it("rejects a missing or wrong token with a 401 JSON error", async () => {
    const { status, body } = await call("/api/customers", {}, "wrong");
    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: "unauthorized", message: "Invalid or missing API token" } });
  });

  it("pages with meta.next_page and covers every record once", async () => {
    const seen: number[] = [];
    for (let page: number | null = 1; page !== null; ) {
      const { body } = await call(`/api/invoices?page=${page}&per_page=7`);
      const { data, meta } = body as unknown as {
        data: RestErpInvoice[];
        meta: { next_page: number | null; total: number };
      };
      seen.push(...data.map((i) => i.id));
      expect(meta.total).toBe(erp.data.invoices.length);
      page = meta.next_page;
    }
    expect(seen).toEqual(erp.data.invoices.map((i) => i.id).sort((a, b) => a - b));
  });

  it("filters by updated_since and moves updated_at when an invoice is paid", async () => {
    const newest = erp.data.invoices
      .map((i) => i.updated_at)
      .sort((a, b) => Date.parse(b) - Date.parse(a))[0]!;
    const open = erp.data.invoices.find((i) => i.status === "aberta")!;
    const before = await call(`/api/invoices?updated_since=${encodeURIComponent(newest)}`);
    expect((before.body.data as RestErpInvoice[]).some((i) => i.id === open.id)).toBe(false);
    const payment = erp.markPaid(open.id, "2026-03-16");
    expect(payment.allocations).toEqual([{ invoice_id: open.id, amount: payment.amount }]);
    const after = await call(`/api/invoices?updated_since=${encodeURIComponent(newest)}`);
    const paid = (after.body.data as RestErpInvoice[]).find((i) => i.id === open.id);
    expect(paid).toMatchObject({ status: "paga", balance: "0.00" });
    expect(Date.parse(paid!.updated_at)).toBeGreaterThan(Date.parse(newest));
    const bad = await call("/api/invoices?updated_since=yesterday");
    expect(bad.status).toBe(400);
  });

  it("reads one invoice, 404 with a JSON error when unknown", async () => {
    const id = erp.data.invoices[2]!.id;
    expect((await call(`/api/invoices/${id}`)).body.data).toMatchObject({ id });
    const missing = await call("/api/invoices/999999");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ error: { code: "not_found", message: "Invoice 999999 not found" } });
  });

  it("writes an activity once per Idempotency-Key", async () => {
    const activity = {
      customer_id: erp.data.customers[0]!.id,
      invoice_ids: [],
      type: "message_sent",
      subject: "Lembrete enviado por WhatsApp",
      occurred_at: "2026-03-15T12:00:00Z",
    };
    const post = (key: string) =>
      call("/api/activities", {
        method: "POST",
        body: JSON.stringify(activity),
        headers: { "idempotency-key": key },
      });
    const first = await post("k-1");
    const second = await post("k-1");
    const other = await post("k-2");
    expect([first.status, second.status, other.status]).toEqual([201, 200, 201]);
    expect(second.body.data).toEqual(first.body.data);
    const invalid = await call("/api/activities", { method: "POST", body: JSON.stringify({ type: "x" }) });
    expect(invalid.status).toBe(422);
  });

  it("answers 429 with Retry-After when throttled, then serves again", async () => {
    erp.throttleNext(1, 3);
    const limited = await call("/api/customers");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect((await call("/api/customers")).status).toBe(200);
  });

  it("enforces a configured rate limit window", async () => {
    let t = Date.parse("2026-03-15T12:00:00Z");
    const limited = await startFakeRestErp({
      seed: 1,
      customers: 2,
      today: "2026-03-15",
      token: TOKEN,
      rateLimit: { requests: 2, windowMs: 1000, retryAfterSeconds: 1 },
      now: () => new Date(t),
    });
    try {
      const get = () =>
        fetch(`${limited.url}/api/customers`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect([(await get()).status, (await get()).status, (await get()).status]).toEqual([200, 200, 429]);
      t += 1000;
      expect((await get()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
