import { brotliCompressSync, gzipSync } from "node:zlib";
import { isReguaError, type ReguaError } from "@regua/core";
import { afterEach, describe, expect, it } from "vitest";
import { createHttpClient, type HttpPolicy, isAmbiguous } from "../src/index.js";
import { JumpingClock } from "./support/clock.js";
import { pluginContext } from "./support/context.js";
import { json, serve, type TestServer } from "./support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function failure(promise: Promise<unknown>): Promise<ReguaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isReguaError(error)) throw new Error(`expected a ReguaError, got ${String(error)}`);
  return error;
}

function client(clock: JumpingClock, policy: Partial<HttpPolicy> = {}) {
  if (!server) throw new Error("no server");
  return createHttpClient(
    { system: "erp", baseURL: server.url, random: () => 0.5, ...policy },
    pluginContext(clock),
  );
}

describe("retries and Retry-After", () => {
  it("waits the Retry-After seconds the server gave, without jitter", async () => {
    server = await serve((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { "retry-after": "2" }) : json(res, 200, { ok: true }),
    );
    const clock = new JumpingClock();
    const answer = await client(clock).request({ method: "GET", url: "/items" });
    expect(answer.data).toEqual({ ok: true });
    expect(clock.sleeps).toEqual([2000]);
    expect(server.seen).toHaveLength(2);
  });

  it("reads an HTTP-date Retry-After against the injected clock", async () => {
    const clock = new JumpingClock("2026-03-02T12:00:00Z");
    server = await serve((_req, res, i) =>
      i === 0 ? json(res, 503, {}, { "retry-after": "Mon, 02 Mar 2026 12:00:07 GMT" }) : json(res, 200, []),
    );
    await client(clock).request({ method: "GET", url: "/items" });
    expect(clock.sleeps).toEqual([7000]);
  });

  it("reads X-RateLimit-Reset as an epoch in seconds", async () => {
    const clock = new JumpingClock("2026-03-02T12:00:00Z");
    const reset = String(Date.parse("2026-03-02T12:00:03Z") / 1000);
    server = await serve((_req, res, i) =>
      i === 0 ? json(res, 429, {}, { "x-ratelimit-reset": reset }) : json(res, 200, []),
    );
    await client(clock).request({ method: "GET", url: "/items" });
    expect(clock.sleeps).toEqual([3000]);
  });

  it("throws RateLimitError{retryAfterMs} instead of sleeping past the cap", async () => {
    server = await serve((_req, res) => json(res, 429, { error: "slow down" }, { "retry-after": "3600" }));
    const clock = new JumpingClock();
    const error = await failure(
      client(clock, { retry: { maxRetryAfterMs: 60_000 } }).request({ method: "GET", url: "/items" }),
    );
    expect(error.code).toBe("RATE_LIMIT");
    expect((error as unknown as { retryAfterMs: number }).retryAfterMs).toBe(3_600_000);
    expect(error.reason).toBe("retry-after over cap");
    expect(clock.sleeps).toEqual([]);
    expect(server.seen).toHaveLength(1);
  });

  it("spreads backoff with full jitter inside [0, min(cap, base·2^(n−1)))", async () => {
    server = await serve((_req, res) => json(res, 503, {}));
    const clock = new JumpingClock();
    const randoms = [0.999, 0.999, 0.999, 0];
    const http = client(clock, {
      retry: { attempts: 5, baseMs: 100, capMs: 300 },
      random: () => randoms.shift() ?? 0,
    });
    const error = await failure(http.request({ method: "GET", url: "/items" }));
    expect(error.code).toBe("TRANSIENT");
    expect(server.seen).toHaveLength(5);
    expect(clock.sleeps).toEqual([99, 199, 299, 0]);
  });

  it("does not retry a POST that may have been processed", async () => {
    server = await serve((_req, res) => json(res, 503, { error: { code: "busy" } }));
    const error = await failure(
      client(new JumpingClock()).request({ method: "POST", url: "/activities", data: { a: 1 } }),
    );
    expect(error.code).toBe("TRANSIENT");
    expect(server.seen).toHaveLength(1);
  });

  it("retries a POST that carries an idempotency key", async () => {
    server = await serve((_req, res, i) => (i === 0 ? json(res, 503, {}) : json(res, 201, { id: "A1" })));
    const answer = await client(new JumpingClock()).request({
      method: "POST",
      url: "/activities",
      data: {},
      idempotent: true,
    });
    expect(answer.status).toBe(201);
    expect(server.seen).toHaveLength(2);
  });

  it("marks a dropped connection as ambiguous and a refused one as not sent", async () => {
    server = await serve((_req, res) => {
      res.socket?.destroy();
    });
    const clock = new JumpingClock();
    const dropped = await failure(client(clock).request({ method: "POST", url: "/messages", data: {} }));
    expect(dropped.code).toBe("TRANSIENT");
    expect(isAmbiguous(dropped)).toBe(true);
    expect(server.seen).toHaveLength(1);

    const url = server.url;
    await server.close();
    server = undefined;
    const refused = createHttpClient(
      { system: "erp", baseURL: url, retry: { attempts: 2 } },
      pluginContext(clock),
    );
    const error = await failure(refused.request({ method: "POST", url: "/messages", data: {} }));
    expect(error.reason).toBe("not sent");
    expect(isAmbiguous(error)).toBe(false);
    expect(clock.sleeps).toHaveLength(1); // a request that never left may be sent again, even a POST
  });
});

describe("a request stopped by the host's signal", () => {
  it("is the host's reason before it left, and ambiguous once a POST was out (it may have been processed)", async () => {
    const clock = new JumpingClock();
    const stop = new AbortController();
    server = await serve(() => stop.abort(new Error("shutdown")));
    const ctx = { ...pluginContext(clock), signal: stop.signal };
    const http = createHttpClient({ system: "erp", baseURL: server.url }, ctx);
    const inFlight = await failure(http.request({ method: "POST", url: "/messages", data: {} }));
    expect(isAmbiguous(inFlight)).toBe(true);
    expect(server.seen).toHaveLength(1);

    const before = await http
      .request({ method: "POST", url: "/messages", data: {} })
      .catch((e: unknown) => e);
    expect(before).toBe(stop.signal.reason);
    expect(server.seen).toHaveLength(1);
  });
});

describe("the error table", () => {
  const rows: [number, string][] = [
    [400, "VALIDATION"],
    [422, "VALIDATION"],
    [401, "AUTH"],
    [403, "AUTH"],
    [404, "NOT_FOUND"],
    [410, "NOT_FOUND"],
    [429, "RATE_LIMIT"],
    [408, "TRANSIENT"],
    [500, "TRANSIENT"],
    [502, "TRANSIENT"],
    [503, "TRANSIENT"],
    [409, "PERMANENT"],
    [413, "PERMANENT"],
  ];
  it.each(rows)("HTTP %i is %s", async (status, code) => {
    server = await serve((_req, res) => json(res, status, { message: "no" }));
    const error = await failure(
      client(new JumpingClock(), { retry: { attempts: 1 } }).request({ method: "GET", url: "/x?key=secret" }),
    );
    expect(error.code).toBe(code);
    expect(error.provider).toMatchObject({ system: "erp", status });
    expect(error.reason).toBe(`status ${status}`);
    expect(error.message).not.toContain("secret");
  });

  it("runs the vendor hook first, with the vendor's code and words", async () => {
    // SAP B1 answers a missing record as HTTP 400 with error.code -2028.
    server = await serve((_req, res) =>
      json(res, 400, {
        error: { code: -2028, message: { lang: "en-us", value: "No matching records found (ODBC -2028)" } },
      }),
    );
    const http = client(new JumpingClock(), {
      classify: (response) => {
        const body = response.data as { error?: { code: number; message: { value: string } } };
        if (!body.error) return undefined;
        return {
          kind: body.error.code === -2028 ? "NOT_FOUND" : undefined,
          code: body.error.code,
          message: body.error.message.value,
        };
      },
    });
    const error = await failure(http.request({ method: "GET", url: "/Invoices(7)" }));
    expect(error.code).toBe("NOT_FOUND");
    expect(error.provider).toMatchObject({
      code: -2028,
      message: "No matching records found (ODBC -2028)",
      status: 400,
    });
    expect(error.reason).toBe("vendor");
  });

  it("lets the hook turn a 200 with an error envelope into an error", async () => {
    server = await serve((_req, res) =>
      json(res, 200, { error: { code: 190, message: "Error validating access token" } }),
    );
    const http = client(new JumpingClock(), {
      classify: (response) => {
        const body = response.data as { error?: { code: number; message: string } };
        return body.error ? { kind: "AUTH", code: body.error.code, message: body.error.message } : undefined;
      },
    });
    const error = await failure(http.request({ method: "GET", url: "/me" }));
    expect(error.code).toBe("AUTH");
    expect(error.message).toContain("Error validating access token");
  });

  it("hands back an allowed status instead of throwing", async () => {
    server = await serve((_req, res) => json(res, 404, {}));
    const answer = await client(new JumpingClock()).request({
      method: "GET",
      url: "/invoices/9",
      allow: [404],
    });
    expect(answer.status).toBe(404);
  });
});

describe("transport", () => {
  it("keeps its sockets alive across requests", async () => {
    server = await serve((_req, res) => json(res, 200, { ok: true }));
    const http = client(new JumpingClock());
    for (let i = 0; i < 20; i++) await http.request({ method: "GET", url: `/items/${i}` });
    expect(server.seen).toHaveLength(20);
    // undici hands a socket back to its pool a tick after the body ends, so a request sent at
    // once after the previous one's body may open a second socket; never one per request.
    expect(server.connections()).toBeLessThanOrEqual(2);
  });

  it("asks for compression and hands back the decoded body, as axios's own adapter did", async () => {
    const body = JSON.stringify({ value: Array.from({ length: 200 }, (_, i) => ({ CardCode: `C${i}` })) });
    server = await serve((req, res) => {
      const encoding = String(req.headers["accept-encoding"]).includes("br") ? "br" : "gzip";
      const packed = encoding === "br" ? brotliCompressSync(body) : gzipSync(body);
      res.writeHead(200, { "content-type": "application/json", "content-encoding": encoding });
      res.end(packed);
    });
    const answer = await client(new JumpingClock()).request<{ value: unknown[] }>({
      method: "GET",
      url: "/x",
    });
    expect(server.seen[0]?.headers["accept-encoding"]).toBe("gzip, deflate, br");
    expect(answer.data.value).toHaveLength(200);
    expect(answer.headers["content-encoding"]).toBeUndefined();
  });

  it("parses JSON behind a byte-order mark, and gives bytes for arraybuffer", async () => {
    server = await serve((req, res) => {
      if (req.url === "/pdf") {
        res.writeHead(200, { "content-type": "application/pdf" });
        res.end(Buffer.from([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]));
        return;
      }
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      res.end(`\ufeff${JSON.stringify({ ok: true })}`);
    });
    const http = client(new JumpingClock());
    expect((await http.request({ method: "GET", url: "/json" })).data).toEqual({ ok: true });
    const pdf = await http.request<Buffer>({ method: "GET", url: "/pdf", responseType: "arraybuffer" });
    expect([...pdf.data]).toEqual([0x25, 0x50, 0x44, 0x46, 0xff, 0x00]);
  });

  it("follows a redirect, and keeps every Set-Cookie line", async () => {
    server = await serve((req, res) => {
      if (req.url === "/old") {
        res.writeHead(301, { location: "/new" });
        res.end();
        return;
      }
      res.writeHead(200, {
        "content-type": "application/json",
        "set-cookie": ["B1SESSION=abc; HttpOnly", "ROUTEID=.node1"],
      });
      res.end("{}");
    });
    const answer = await client(new JumpingClock()).request({ method: "GET", url: "/old" });
    expect(server.seen.map((r) => r.url)).toEqual(["/old", "/new"]);
    expect(answer.setCookie).toEqual(["B1SESSION=abc; HttpOnly", "ROUTEID=.node1"]);
  });

  it("fails a server that never answers after the request timeout, as ambiguous", async () => {
    server = await serve(() => undefined);
    const http = client(new JumpingClock(), { timeouts: { requestMs: 150 }, retry: { attempts: 1 } });
    const error = await failure(http.request({ method: "POST", url: "/messages", data: {} }));
    expect(error.code).toBe("TRANSIENT");
    expect(isAmbiguous(error)).toBe(true);
    expect(error.message).toContain("UND_ERR_HEADERS_TIMEOUT");
  });

  it("limits requests a second per key through the injected clock", async () => {
    server = await serve((_req, res) => json(res, 200, {}));
    const clock = new JumpingClock();
    const http = client(clock, { limits: { perSecond: 2, burst: 1 } });
    for (let i = 0; i < 3; i++) await http.request({ method: "GET", url: "/a", limitKey: "realm-1" });
    await http.request({ method: "GET", url: "/a", limitKey: "realm-2" });
    expect(clock.sleeps).toEqual([500, 500]); // realm-2 has a bucket of its own
  });

  it("holds at most `concurrency` requests in flight", async () => {
    let inFlight = 0;
    let most = 0;
    server = await serve(async (_req, res) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      json(res, 200, {});
    });
    const http = client(new JumpingClock(), { limits: { concurrency: 2 } });
    await Promise.all(Array.from({ length: 6 }, () => http.request({ method: "GET", url: "/slow" })));
    expect(most).toBe(2);
  });
});
