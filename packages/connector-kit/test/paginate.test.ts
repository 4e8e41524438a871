import { isReguaError } from "@regua/core";
import { afterEach, describe, expect, it } from "vitest";
import {
  createHttpClient,
  cursor,
  linkHeader,
  nextLink,
  offsetLimit,
  type PageStrategy,
  pageNumber,
  paginate,
} from "../src/index.js";
import { JumpingClock } from "./support/clock.js";
import { pluginContext } from "./support/context.js";
import { json, serve, type TestServer } from "./support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Seven records the fake serves in whatever paging style a test wants. */
const RECORDS = Array.from({ length: 7 }, (_, i) => ({ id: `C${i + 1}` }));
const query = (url: string) => new URL(url, "http://x").searchParams;

async function collect<T>(pages: AsyncIterable<{ items: unknown[]; next: T | null }>) {
  const out: { ids: string[]; next: T | null }[] = [];
  for await (const page of pages)
    out.push({ ids: (page.items as { id: string }[]).map((r) => r.id), next: page.next });
  return out;
}

function list<T>(
  strategy: PageStrategy<T>,
  resume: T | null,
  select = (r: { data: unknown }) => (r.data as { data: unknown }).data,
) {
  if (!server) throw new Error("no server");
  const http = createHttpClient({ system: "erp", baseURL: server.url }, pluginContext(new JumpingClock()));
  return collect(
    paginate(http, { method: "GET", url: "/customers", params: { active: "true" } }, strategy, {
      resume,
      select,
    }),
  );
}

describe("paginators", () => {
  it("page/size: stops on a short page and resumes from a checkpointed page", async () => {
    server = await serve((req, res) => {
      const page = Number(query(req.url).get("page"));
      const size = Number(query(req.url).get("size"));
      json(res, 200, { data: RECORDS.slice((page - 1) * size, page * size) });
    });
    const strategy = pageNumber({ param: "page", sizeParam: "size", size: 3 });
    expect(await list(strategy, null)).toEqual([
      { ids: ["C1", "C2", "C3"], next: 2 },
      { ids: ["C4", "C5", "C6"], next: 3 },
      { ids: ["C7"], next: null },
    ]);
    expect(query(server.seen[0]?.url ?? "").get("active")).toBe("true");
    expect(await list(strategy, 3)).toEqual([{ ids: ["C7"], next: null }]);
  });

  it("offset/limit: advances by the records received", async () => {
    server = await serve((req, res) => {
      const offset = Number(query(req.url).get("offset"));
      json(res, 200, { data: RECORDS.slice(offset, offset + Number(query(req.url).get("limit"))) });
    });
    const strategy = offsetLimit({ offsetParam: "offset", limitParam: "limit", size: 4 });
    expect(await list(strategy, null)).toEqual([
      { ids: ["C1", "C2", "C3", "C4"], next: 4 },
      { ids: ["C5", "C6", "C7"], next: null },
    ]);
    expect(await list(strategy, 4)).toEqual([{ ids: ["C5", "C6", "C7"], next: null }]);
  });

  it("OData next link (v4 @odata.nextLink and v3 odata.nextLink) replaces the URL and query", async () => {
    server = await serve((req, res) => {
      const skip = Number(query(req.url).get("$skip") ?? 0);
      const value = RECORDS.slice(skip, skip + 3);
      const link = skip + 3 < RECORDS.length ? `/customers?$skip=${skip + 3}` : undefined;
      const key = skip === 0 ? "@odata.nextLink" : "odata.nextLink";
      json(res, 200, { value, ...(link ? { [key]: link } : {}) });
    });
    const select = (r: { data: unknown }) => (r.data as { value: unknown }).value;
    expect(await list(nextLink(), null, select)).toEqual([
      { ids: ["C1", "C2", "C3"], next: "/customers?$skip=3" },
      { ids: ["C4", "C5", "C6"], next: "/customers?$skip=6" },
      { ids: ["C7"], next: null },
    ]);
    expect(server.seen[1]?.url).toBe("/customers?$skip=3"); // no "active" from the base request
    expect(await list(nextLink(), "/customers?$skip=6", select)).toEqual([{ ids: ["C7"], next: null }]);
  });

  it("cursor: sends the body's cursor back until there is none", async () => {
    server = await serve((req, res) => {
      const after = query(req.url).get("after");
      const start = after ? RECORDS.findIndex((r) => r.id === after) + 1 : 0;
      const data = RECORDS.slice(start, start + 5);
      json(res, 200, { data, meta: { next_cursor: start + 5 < RECORDS.length ? data.at(-1)?.id : null } });
    });
    const strategy = cursor({
      param: "after",
      select: (r) => (r.data as { meta: { next_cursor: unknown } }).meta.next_cursor,
    });
    expect(await list(strategy, null)).toEqual([
      { ids: ["C1", "C2", "C3", "C4", "C5"], next: "C5" },
      { ids: ["C6", "C7"], next: null },
    ]);
    expect(await list(strategy, "C5")).toEqual([{ ids: ["C6", "C7"], next: null }]);
  });

  it("RFC 8288 Link header, relative targets resolved against the page", async () => {
    server = await serve((req, res) => {
      const page = Number(query(req.url).get("page") ?? 1);
      const links = [`</customers?page=1>; rel="first"`];
      if (page < 3) links.push(`<customers?page=${page + 1}>; rel="next"; title="next page"`);
      json(res, 200, { data: RECORDS.slice((page - 1) * 3, page * 3) }, { link: links.join(", ") });
    });
    const pages = await list(linkHeader(), null);
    expect(pages.map((p) => p.ids)).toEqual([["C1", "C2", "C3"], ["C4", "C5", "C6"], ["C7"]]);
    expect(pages[0]?.next).toBe(`${server.url}/customers?page=2`);
  });

  it("a strategy may carry the page position in the body (RPC APIs: Odoo search_read)", async () => {
    server = await serve((req, res) => {
      const { offset, limit } = JSON.parse(req.body) as { offset: number; limit: number };
      json(res, 200, RECORDS.slice(offset, offset + limit));
    });
    const http = createHttpClient({ system: "erp", baseURL: server.url }, pluginContext(new JumpingClock()));
    const strategy: PageStrategy<number> = {
      request: (offset) => ({ data: { model: "res.partner", offset: offset ?? 0, limit: 5 } }),
      next: ({ items, token }) => (items.length < 5 ? null : (token ?? 0) + items.length),
    };
    const base = { method: "POST" as const, url: "/rpc", data: { model: "res.partner" }, idempotent: true };
    const pages = await collect(paginate(http, base, strategy, { select: (r) => r.data }));
    expect(pages).toEqual([
      { ids: ["C1", "C2", "C3", "C4", "C5"], next: 5 },
      { ids: ["C6", "C7"], next: null },
    ]);
    expect(JSON.parse(server.seen[1]?.body ?? "{}")).toEqual({ model: "res.partner", offset: 5, limit: 5 });
  });

  it("fails on a token seen before instead of looping", async () => {
    server = await serve((_req, res) =>
      json(res, 200, { data: RECORDS.slice(0, 2), meta: { next_cursor: "C2" } }),
    );
    const strategy = cursor({
      param: "after",
      select: (r) => (r.data as { meta: { next_cursor: unknown } }).meta.next_cursor,
    });
    const error = await list(strategy, null).catch((e: unknown) => e);
    expect(isReguaError(error) && error.reason).toBe("repeated token");
    expect((error as Error).message).toMatch(/page 2 points back to page 2/);
    expect(server.seen).toHaveLength(2);
  });

  it("names the listing when the body holds no array", async () => {
    server = await serve((_req, res) => json(res, 200, { data: { not: "a list" } }));
    const error = await list(pageNumber({ param: "page", sizeParam: "size", size: 3 }), null).catch(
      (e: unknown) => e,
    );
    expect(isReguaError(error) && error.code).toBe("VALIDATION");
    expect((error as Error).message).toBe("erp: GET /customers page 1: expected an array of records");
  });
});
