import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { restErpPreset } from "@regua/connector-rest";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { type FakeRestErp, startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { type FakeGraphApi, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";

/**
 * `regua serve` as a user runs it: the built CLI in its own process, plugins loaded by package
 * name from regua.yaml, secrets from the environment, and a clean exit on SIGTERM.
 */
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
const APP_SECRET = "serve-app-secret";
const VERIFY_TOKEN = "serve-verify";

let dir: string;
let erp: FakeRestErp;
let graph: FakeGraphApi;
let child: ChildProcess;
let base = "";
let stderr = "";

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "regua-serve-"));
  erp = await startFakeRestErp({ seed: 3, customers: 5, today: "2026-03-10", token: "erp-token" });
  graph = await startFakeGraphApi({ token: "graph-token", appSecret: APP_SECRET, phoneNumberId: "1234" });
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  writeFileSync(
    path.join(dir, "regua.yaml"),
    stringify({
      store: { sqlite: "./regua.db" },
      secretKey: { env: "SERVE_TEST_SECRET_KEY" },
      sources: [
        { id: "erp", connector: "@regua/connector-rest", options: restErpPreset(erp.url, "erp-token") },
      ],
      channels: [
        {
          id: "wa",
          channel: "@regua/channel-whatsapp",
          options: {
            phoneNumberId: "1234",
            token: { env: "SERVE_TEST_WA_TOKEN" },
            appSecret: APP_SECRET,
            verifyToken: VERIFY_TOKEN,
            baseUrl: graph.url,
          },
        },
      ],
      policy: "./policy.yaml",
      server: { port: 0, host: "127.0.0.1", adminToken: { env: "SERVE_TEST_ADMIN_TOKEN" } },
    }),
  );
  child = spawn(process.execPath, [CLI, "--config", path.join(dir, "regua.yaml"), "serve"], {
    cwd: dir,
    env: {
      ...process.env,
      SERVE_TEST_SECRET_KEY: "k".repeat(32),
      SERVE_TEST_WA_TOKEN: "graph-token",
      SERVE_TEST_ADMIN_TOKEN: "a".repeat(32),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  base = await new Promise<string>((resolve, reject) => {
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /regua serving on (http:\/\/[^\s]+)/.exec(stderr);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("exit", (code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all([erp?.close(), graph?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

describe("regua serve (own process)", () => {
  it("answers /healthz and /metrics", async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("regua_webhook_events_total");
  });

  it("answers Meta's verification handshake only with the right verify token", async () => {
    const query = (token: string) =>
      `${base}/webhooks/whatsapp/wa?hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=8412`;
    const ok = await fetch(query(VERIFY_TOKEN));
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("8412");
    expect((await fetch(query("wrong"))).status).toBe(403);
  });

  it("accepts a signed status webhook and rejects a forged one with 401", async () => {
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "waba",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "5511999999999", phone_number_id: "1234" },
                statuses: [
                  {
                    id: "wamid.unknown",
                    status: "delivered",
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    recipient_id: "5511987654321",
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const signature = `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;
    const post = (sig: string) =>
      fetch(`${base}/webhooks/whatsapp/wa`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-hub-signature-256": sig },
        body,
      });
    expect((await post(signature)).status).toBe(200);
    expect((await post(`sha256=${"0".repeat(64)}`)).status).toBe(401);
  });

  it("shuts down cleanly on SIGTERM and never logs the secrets", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).not.toContain("graph-token");
    expect(stderr).not.toContain("k".repeat(32));
    expect(stderr).not.toContain("a".repeat(32));
  });
});
