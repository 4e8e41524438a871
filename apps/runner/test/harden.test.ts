import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { restErpPreset } from "@regua/connector-rest";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadConfig } from "../src/config.js";
import { createProgram, main } from "../src/program.js";
import { buildServer } from "../src/server.js";
import { ADMIN_TOKEN, adminHeaders, fakeStore, recordingEngine } from "./helpers.js";
import {
  deliveredStatus,
  type HardenedServer,
  notification,
  postSigned,
  startHardenedServer,
} from "./support/hardened-server.js";

/**
 * The findings of the `regua serve` security review (issue 17), each reproduced against a
 * started server on 127.0.0.1 and shown fixed.
 */

function rawPost(url: string, path: string, bytes: number): Promise<{ status: number; error?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        hostname,
        port,
        path,
        method: "POST",
        headers: { "content-type": "application/json", "content-length": bytes },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
      },
    );
    req.on("error", (error) =>
      resolve({ status: 0, error: (error as NodeJS.ErrnoException).code ?? String(error) }),
    );
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

describe("closed by default", () => {
  it("refuses to build the server without an admin token", async () => {
    const base = { engine: recordingEngine(), store: fakeStore(), channels: [], connectors: [] };
    await expect(buildServer({ ...base, adminToken: "" })).rejects.toThrow(/server\.adminToken is required/);
    await expect(buildServer({ ...base, adminToken: "short" })).rejects.toThrow(/at least 16/);
  });

  it("`regua serve` exits 1 with the reason when the config has no admin token", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-closed-"));
    writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
    const config = {
      store: { sqlite: "./regua.db" },
      sources: [
        { id: "erp", connector: "@regua/connector-rest", options: restErpPreset("http://127.0.0.1:9", "t") },
      ],
      channels: [
        {
          id: "wa",
          channel: "@regua/channel-whatsapp",
          options: { phoneNumberId: "1", token: "t", appSecret: "s" },
        },
      ],
      policy: "./policy.yaml",
      server: { port: 0, host: "127.0.0.1" },
    };
    writeFileSync(path.join(dir, "regua.yaml"), stringify(config));
    const err: string[] = [];
    const code = await main(["--config", path.join(dir, "regua.yaml"), "serve"], {
      out: () => {},
      err: (s) => err.push(s),
      isTTY: false,
    });
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("server.adminToken is required");
  });

  it("`regua init` writes a random admin token into .env (0600) that the config loader reads", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-init-token-"));
    const io = { out: () => {}, err: () => {}, isTTY: false };
    expect(await main(["init", "--dir", dir], io)).toBe(0);
    const envText = readFileSync(path.join(dir, ".env"), "utf8");
    const token = /^REGUA_ADMIN_TOKEN=(\S+)$/m.exec(envText)?.[1] ?? "";
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect(statSync(path.join(dir, ".env")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(dir, "regua.yaml"), "utf8")).toContain("env: REGUA_ADMIN_TOKEN");
    writeFileSync(
      path.join(dir, "small.yaml"),
      stringify({
        store: { sqlite: ":memory:" },
        sources: [{ id: "erp", connector: "x" }],
        channels: [{ id: "wa", channel: "y" }],
        policy: "./policy.yaml",
        server: { adminToken: { env: "REGUA_ADMIN_TOKEN" } },
      }),
    );
    expect(loadConfig(path.join(dir, "small.yaml")).server.adminToken).toBe(token);
  });

  it("lets log.level from the config apply unless --log-level is given", () => {
    const io = { out: () => {}, err: () => {}, isTTY: false };
    const program = createProgram(io);
    program.parseOptions(["--config", "regua.yaml"]);
    expect(program.opts().logLevel).toBeUndefined();
    program.parseOptions(["--log-level", "warn"]);
    expect(program.opts().logLevel).toBe("warn");
  });
});

describe("regua serve under abuse", () => {
  let server: HardenedServer;
  beforeAll(async () => {
    server = await startHardenedServer({ limits: { requestTimeoutMs: 1_500, authFailuresPerMinute: 10 } });
  });
  afterAll(async () => server.close());

  it("answers the admin API only with the admin token", async () => {
    const actions = (headers: Record<string, string>) =>
      fetch(`${server.url}/admin/actions?limit=1000`, { headers });
    expect((await actions({})).status).toBe(401);
    expect((await actions({ authorization: `Bearer ${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await fetch(`${server.url}/`)).status).toBe(401);
    expect((await actions(adminHeaders)).status).toBe(200);
  });

  it("shows /healthz detail only with the admin token", async () => {
    const open = await fetch(`${server.url}/healthz`);
    expect(open.status).toBe(200);
    expect(await open.json()).toEqual({ status: "degraded" }); // the fake token cannot reach Meta
    const detailed = (await (await fetch(`${server.url}/healthz`, { headers: adminHeaders })).json()) as {
      plugins: { id: string; ok: boolean; detail: string }[];
    };
    expect(detailed.plugins[0]).toMatchObject({ id: "wa", ok: false });
    expect(detailed.plugins[0]?.detail.length).toBeGreaterThan(0);
  });

  it("answers 413 to a body over the WhatsApp limit without reading it, not a connection reset", async () => {
    const result = await rawPost(server.url, "/webhooks/whatsapp/wa", 6 * 1024 * 1024);
    expect(result).toEqual({ status: 413 });
  });

  it("answers 413 to more events than one delivery may carry", async () => {
    const statuses = Array.from({ length: 5_001 }, (_, i) => deliveredStatus(i));
    const res = await postSigned(server.url, JSON.stringify(notification({ statuses })));
    expect(res.status).toBe(413);
  });

  it("closes a slow-body connection within the request timeout", async () => {
    const { hostname, port } = new URL(server.url);
    const started = performance.now();
    const closedAfterMs = await new Promise<number>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          "POST /webhooks/whatsapp/wa HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n",
        );
        const trickle = setInterval(() => socket.write("{"), 200);
        socket.on("close", () => {
          clearInterval(trickle);
          resolve(performance.now() - started);
        });
      });
      socket.on("error", () => {});
      socket.resume();
    });
    // requestTimeoutMs is 1.5 s; Node checks every second. Trickling forever would never end.
    expect(closedAfterMs).toBeLessThan(4_000);
  });

  it("rate-limits an address after repeated bad signatures, before reading its body", async () => {
    const body = JSON.stringify(notification({ statuses: [deliveredStatus(1)] }));
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const res = await postSigned(server.url, body, { "x-hub-signature-256": `sha256=${"0".repeat(64)}` });
      statuses.push(res.status);
    }
    // 10 failures a minute per address (earlier tests' bad admin tokens count too), then 429.
    const first429 = statuses.indexOf(429);
    expect(first429).toBeGreaterThan(0);
    expect(first429).toBeLessThanOrEqual(10);
    expect(statuses.slice(0, first429).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(first429).every((s) => s === 429)).toBe(true);
    const blocked = await postSigned(server.url, body);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.retryAfter)).toBeGreaterThan(0);
    const rejectedLines = server.logs.filter((l) => l.msg.startsWith("requests rejected"));
    expect(rejectedLines.length).toBeLessThanOrEqual(2); // a sampled summary, not a line per request
  });
});
