import { request as httpRequest } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHttpClient } from "../src/index.js";
import { JumpingClock } from "./support/clock.js";
import { pluginContext } from "./support/context.js";
import { json, serve, type TestServer } from "./support/server.js";

const PROXY_VARS = [
  "HTTP_PROXY",
  "http_proxy",
  "HTTPS_PROXY",
  "https_proxy",
  "NO_PROXY",
  "no_proxy",
  "ALL_PROXY",
  "all_proxy",
];

/** A forward proxy in a few lines: it receives the absolute URL and relays the request. */
async function startProxy(): Promise<TestServer> {
  const proxy = await serve((req, res) => {
    const upstream = httpRequest(req.url, { method: req.method, headers: { ...req.headers } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.end(req.body);
  });
  return proxy;
}

describe("proxy from the environment", () => {
  const saved: Record<string, string | undefined> = {};
  const servers: TestServer[] = [];
  beforeEach(() => {
    for (const name of PROXY_VARS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(async () => {
    for (const name of PROXY_VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    for (const s of servers.splice(0)) await s.close();
  });

  it("sends through HTTP_PROXY, and straight to the host when NO_PROXY names it", async () => {
    const erp = await serve((_req, res) => json(res, 200, { ok: true }));
    const proxy = await startProxy();
    servers.push(erp, proxy);
    process.env.HTTP_PROXY = proxy.url;
    process.env.http_proxy = proxy.url;
    const http = createHttpClient({ system: "erp", baseURL: erp.url }, pluginContext(new JumpingClock()));

    const answer = await http.request({ method: "GET", url: "/customers", params: { page: 1 } });
    expect(answer.data).toEqual({ ok: true });
    expect(proxy.seen.map((r) => r.url)).toEqual([`${erp.url}/customers?page=1`]);
    expect(erp.seen).toHaveLength(1);

    process.env.NO_PROXY = "127.0.0.1";
    process.env.no_proxy = "127.0.0.1";
    await http.request({ method: "GET", url: "/customers" });
    expect(proxy.seen).toHaveLength(1);
    expect(erp.seen).toHaveLength(2);
  });

  it("takes an explicit proxy over the environment, and false for none", async () => {
    const erp = await serve((_req, res) => json(res, 200, {}));
    const proxy = await startProxy();
    const other = await startProxy();
    servers.push(erp, proxy, other);
    process.env.HTTP_PROXY = other.url;
    process.env.http_proxy = other.url;
    const ctx = pluginContext(new JumpingClock());
    await createHttpClient({ system: "erp", baseURL: erp.url, proxy: proxy.url }, ctx).request({
      method: "GET",
      url: "/a",
    });
    await createHttpClient({ system: "erp", baseURL: erp.url, proxy: false }, ctx).request({
      method: "GET",
      url: "/b",
    });
    expect(proxy.seen.map((r) => r.url)).toEqual([`${erp.url}/a`]);
    expect(other.seen).toHaveLength(0);
    expect(erp.seen.map((r) => r.url)).toEqual(["/a", "/b"]);
  });
});
