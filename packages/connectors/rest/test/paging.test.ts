import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "@regua/core";
import { createTestContext } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import connector, { type RestConnectorOptionsInput } from "../src/index.js";

/**
 * A small ERP with the other paging styles (offset, cursor token, Link header / next URL),
 * basic and API-key auth, and activities deduplicated by a lookup, served over HTTP.
 */
const CUSTOMERS = Array.from({ length: 23 }, (_, i) => ({ code: 1000 + i, nome: `Cliente ${i + 1}` }));
const seen: { url: string; headers: IncomingMessage["headers"] }[] = [];
const activities: { id: number; chave: string }[] = [];
let server: Server;
let baseUrl: string;

function customersPage(url: URL) {
  const offset = Number(url.searchParams.get("offset") ?? url.searchParams.get("after") ?? 0);
  const limit = Number(url.searchParams.get("limit") ?? 5);
  const rows = CUSTOMERS.slice(offset, offset + limit);
  const next = offset + limit < CUSTOMERS.length ? offset + limit : null;
  return { rows, next };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push({ url: req.url ?? "", headers: req.headers });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (url.pathname === "/offset") return send(200, customersPage(url).rows);
    if (url.pathname === "/cursor") {
      const { rows, next } = customersPage(url);
      return send(200, { items: rows, paging: { next: next === null ? null : String(next) } });
    }
    if (url.pathname === "/link") {
      const { rows, next } = customersPage(url);
      const link: Record<string, string> =
        next === null ? {} : { link: `<${baseUrl}/link?offset=${next}&limit=5>; rel="next"` };
      return send(200, rows, link);
    }
    if (url.pathname === "/activities" && req.method === "GET") {
      return send(200, { result: activities.filter((a) => a.chave === url.searchParams.get("chave")) });
    }
    if (url.pathname === "/activities" && req.method === "POST") {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        const activity = {
          id: activities.length + 1,
          chave: (JSON.parse(body) as { meta: { chave: string } }).meta.chave,
        };
        activities.push(activity);
        send(200, activity);
      });
      return;
    }
    send(404, { message: "no such route" });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function create(customers: Record<string, unknown>, extra: Partial<RestConnectorOptionsInput> = {}) {
  const options = connector.optionsSchema.parse({
    baseUrl,
    auth: { type: "basic", username: "regua", password: "s3nha" },
    resources: {
      customers: { ...customers, fields: { externalId: "code", name: "nome" } },
      invoices: {
        path: "/offset",
        fields: { externalId: "code", customerRef: "code", dueDate: "d", total: "t" },
      },
    },
    ...extra,
  });
  return connector.create(options, createTestContext({ instanceId: "small" }));
}

async function listedIds(pages: AsyncIterable<Page<{ externalId: string }>>) {
  const ids: string[] = [];
  let count = 0;
  for await (const page of pages) {
    ids.push(...page.items.map((i) => i.externalId));
    count++;
  }
  return { ids, count };
}

const ALL_IDS = CUSTOMERS.map((c) => String(c.code));

describe("paging styles", () => {
  it("offset/limit, stopping at a short page", async () => {
    const c = await create({ path: "/offset", paging: { style: "offset", size: 5 } });
    expect(await listedIds(c.listCustomers({}))).toEqual({ ids: ALL_IDS, count: 5 });
    expect(seen.at(-1)?.headers.authorization).toBe(`Basic ${Buffer.from("regua:s3nha").toString("base64")}`);
  });

  it("a cursor token from the body", async () => {
    const c = await create({
      path: "/cursor",
      list: "items",
      paging: { style: "cursor", param: "after", next: "paging.next", sizeParam: "limit", size: 5 },
    });
    expect(await listedIds(c.listCustomers({}))).toEqual({ ids: ALL_IDS, count: 5 });
  });

  it("the Link header's rel=next URL, resumable from a mid-way cursor", async () => {
    const c = await create(
      { path: "/link", paging: { style: "link", sizeParam: "limit", size: 5 } },
      { auth: { type: "apiKey", header: "X-Api-Token", value: "k3y" } },
    );
    const pages = [];
    for await (const page of c.listCustomers({})) pages.push(page);
    expect(pages.flatMap((p) => p.items.map((i) => i.externalId))).toEqual(ALL_IDS);
    expect(seen.at(-1)?.headers["x-api-token"]).toBe("k3y");
    const rest = await listedIds(c.listCustomers({ cursor: pages[1]!.cursor }));
    expect(rest.ids).toEqual(ALL_IDS.slice(10));
  });
});

describe("write-back without an idempotency header", () => {
  it("looks the key up first, so a second write returns the first one", async () => {
    const c = await create(
      { path: "/offset" },
      {
        activities: {
          path: "/activities",
          lookup: { path: "/activities?chave={key}", list: "result" },
          fields: { key: "meta.chave" },
        },
      },
    );
    const activity = {
      key: "acao/1 ç",
      source: "small",
      kind: "message_sent" as const,
      customerRef: "1000",
      invoiceRefs: [],
      occurredAt: "2026-03-15T12:00:00Z",
      channel: null,
      providerMessageId: null,
      subject: "Lembrete",
      details: "",
      actionKey: null,
    };
    expect(await c.writeActivity!(activity)).toEqual({ externalId: "1", created: true });
    expect(await c.writeActivity!(activity)).toEqual({ externalId: "1", created: false });
    expect(activities).toEqual([{ id: 1, chave: "acao/1 ç" }]);
  });

  it("refuses activities options that could write twice", () => {
    const parsed = connector.optionsSchema.safeParse({
      baseUrl,
      auth: { type: "none" },
      resources: {
        customers: { path: "/offset", fields: { externalId: "code", name: "nome" } },
        invoices: {
          path: "/offset",
          fields: { externalId: "code", customerRef: "code", dueDate: "d", total: "t" },
        },
      },
      activities: { path: "/activities" },
    });
    expect(parsed.error?.issues.map((i) => [i.path.join("."), i.message])).toEqual([
      ["activities", "needs idempotencyHeader or lookup, so a retry never writes an activity twice"],
    ]);
  });
});
