import { type Clock, type Invoice, isReguaError, type Logger, type Page } from "@regua/core";
import { type FakeRestErp, startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { createTestContext } from "@regua/testkit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import connector, { type RestConnectorOptionsInput, restErpPreset } from "../src/index.js";

const TOKEN = "http-test-token";
let erp: FakeRestErp;

/** A clock whose sleeps return at once and are recorded, so backoff is asserted, not waited. */
function recordingClock(): Clock & { slept: number[] } {
  const slept: number[] = [];
  return { slept, now: () => new Date("2026-03-15T12:00:00Z"), sleep: async (ms) => void slept.push(ms) };
}

function capturingLog(lines: string[]): Logger {
  const write = (obj: object | string, msg?: string) => void lines.push(JSON.stringify(obj) + (msg ?? ""));
  const log: Logger = { debug: write, info: write, warn: write, error: write, child: () => log };
  return log;
}

async function connect(
  overrides: Partial<RestConnectorOptionsInput> = {},
  clock = recordingClock(),
  log?: Logger,
) {
  const options = connector.optionsSchema.parse({ ...restErpPreset(erp.url, TOKEN, 10), ...overrides });
  return {
    clock,
    connector: await connector.create(options, createTestContext({ instanceId: "erp", clock, log })),
  };
}

async function all<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of pages) out.push(page);
  return out;
}

beforeAll(async () => {
  erp = await startFakeRestErp({ seed: 3, customers: 8, today: "2026-03-15", token: TOKEN });
});
afterAll(() => erp.close());
beforeEach(() => {
  erp.requests.length = 0;
});

describe("rate limits and retries", () => {
  it("waits the server's Retry-After on 429, then gets the page", async () => {
    const { clock, connector: c } = await connect();
    erp.throttleNext(1, 2);
    const pages = await all(c.listCustomers({}));
    expect(pages.flatMap((p) => p.items)).toHaveLength(8);
    expect(clock.slept).toHaveLength(1);
    expect(clock.slept[0]).toBeGreaterThanOrEqual(2000);
    expect(erp.requests.filter((r) => r.url.startsWith("/api/customers"))).toHaveLength(2);
  });

  it("hands a Retry-After longer than maxRetryAfterMs to the engine as RateLimitError at once", async () => {
    const { clock, connector: c } = await connect({
      retry: { attempts: 4, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 },
    });
    erp.throttleNext(1, 120);
    const error = await c.getInvoice!("1").catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("RATE_LIMIT");
    expect(error).toMatchObject({
      retryAfterMs: 120_000,
      retryable: true,
      provider: { system: "rest-erp", status: 429, code: "rate_limited" },
    });
    expect(clock.slept).toEqual([]);
  });

  it("retries 5xx a bounded number of times, then fails with TransientError", async () => {
    const { clock, connector: c } = await connect({
      retry: { attempts: 3, baseMs: 100, maxMs: 1000, maxRetryAfterMs: 5000 },
    });
    erp.failNext(2, 503);
    expect((await c.getInvoice!("1"))?.externalId).toBe("1");
    expect(clock.slept).toHaveLength(2);
    erp.failNext(3, 502);
    const error = await c.getInvoice!("1").catch((e: unknown) => e);
    expect(isReguaError(error) && [error.code, error.retryable]).toEqual(["TRANSIENT", true]);
    expect(clock.slept).toHaveLength(4);
  });
});

describe("client-side rate limit", () => {
  it("spaces requests to rateLimit.perSecond on the injected clock", async () => {
    let now = Date.parse("2026-03-15T12:00:00Z");
    const slept: number[] = [];
    const clock = {
      slept,
      now: () => new Date(now),
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    const { connector: c } = await connect({ rateLimit: { perSecond: 2 } }, clock);
    const pages = await all(c.listInvoices({}));
    expect(pages.length).toBeGreaterThan(3);
    // a burst of 2, then one request per 500 ms of clock time
    expect(slept.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual((pages.length - 2) * 500);
  });
});

describe("errors carry the ERP's words", () => {
  it("401 → AuthError with the server's code and message, the token in no message or log", async () => {
    const lines: string[] = [];
    const { connector: c } = await connect(
      { auth: { type: "bearer", token: "leaked-if-logged" } },
      undefined,
      capturingLog(lines),
    );
    const error = await all(c.listInvoices({})).catch((e: unknown) => e);
    expect(isReguaError(error) && error.describe()).toBe(
      "AUTH: rest-erp answered HTTP 401 to GET /api/invoices: Invalid or missing API token (rest-erp: HTTP 401, code unauthorized, Invalid or missing API token) [not retried]",
    );
    expect(JSON.stringify([lines, String(error), (error as Error).stack])).not.toContain("leaked-if-logged");
  });

  it("422 on write-back → ValidationError with the server's message", async () => {
    const { connector: c } = await connect();
    const error = await c.writeActivity!({
      key: "k-unknown-customer",
      source: "erp",
      kind: "message_sent",
      customerRef: "NOPE",
      invoiceRefs: [],
      occurredAt: "2026-03-15T12:00:00Z",
      channel: "wa",
      providerMessageId: null,
      subject: "Lembrete",
      details: "",
      actionKey: null,
    }).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("VALIDATION");
    expect((error as Error).message).toContain("Unknown customer NOPE");
  });

  it("getInvoice: null on 404, a fresh read otherwise", async () => {
    const { connector: c } = await connect();
    expect(await c.getInvoice!("999999")).toBeNull();
    const id = String(erp.data.invoices[0]!.id);
    expect((await c.getInvoice!(id))?.externalId).toBe(id);
  });
});

describe("listing", () => {
  it("turns a malformed record into a reject and keeps the rest of the page", async () => {
    const { connector: c } = await connect();
    const victim = erp.data.invoices[3]!;
    const dueDate = victim.due_date;
    victim.due_date = "2026-02-31";
    try {
      const pages = await all(c.listInvoices({}));
      const rejects = pages.flatMap((p) => p.rejects ?? []);
      expect(rejects).toEqual([
        expect.objectContaining({
          entity: "invoices",
          externalId: String(victim.id),
          error: 'dueDate: must be a date (got "2026-02-31")',
        }),
      ]);
      expect(pages.flatMap((p) => p.items)).toHaveLength(erp.data.invoices.length - 1);
    } finally {
      victim.due_date = dueDate;
    }
  });

  it("sends updated_since from the newest record seen, even when that was before a resume", async () => {
    const { connector: c } = await connect();
    erp.touch("invoices", erp.data.invoices[0]!.id); // the newest change is now on page 1
    const full = await all(c.listInvoices({}));
    const newest = (full.flatMap((p) => p.items) as Invoice[])
      .map((i) => i.updatedAt!)
      .sort()
      .at(-1)!;
    const holder = full.findIndex((p) => (p.items as Invoice[]).some((i) => i.updatedAt === newest));
    expect(holder, "the newest record is not on the last page").toBeLessThan(full.length - 1);
    const resumed = await all(c.listInvoices({ cursor: full[holder]!.cursor }));
    expect(JSON.parse(resumed.at(-1)!.cursor!)).toEqual({
      kind: "@regua/connector-rest",
      v: 1,
      at: { since: newest, next: null, high: null },
    });
    erp.requests.length = 0;
    await all(c.listInvoices({ cursor: resumed.at(-1)!.cursor }));
    const sent = new URL(erp.requests[0]!.url, erp.url).searchParams.get("updated_since");
    expect(sent).toBe(newest);
  });

  it("rejects a cursor it did not write", async () => {
    const { connector: c } = await connect();
    const error = await all(c.listInvoices({ cursor: "page=2" })).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("VALIDATION");
  });
});
