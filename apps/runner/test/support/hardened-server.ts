import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import whatsapp from "@regua/channel-whatsapp";
import { type Clock, createEngine, parsePolicy, SAMPLE_POLICY_YAML, systemClock } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import { createTestContext } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { createLogger } from "../../src/logger.js";
import { createWebhookWorker, type WebhookWorker } from "../../src/server/worker.js";
import { buildServer, type ServerLimits } from "../../src/server.js";
import { ADMIN_TOKEN } from "../helpers.js";

export const APP_SECRET = "harden-app-secret";
export const PHONE_NUMBER_ID = "106540352242922";

export interface HardenedServer {
  url: string;
  app: FastifyInstance;
  store: ReguaStore;
  worker: WebhookWorker;
  /** Every JSON log line the server wrote, parsed. */
  logs: { level: number; msg: string; [key: string]: unknown }[];
  file: string;
  close(): Promise<void>;
}

/**
 * `regua serve`'s pieces as the CLI wires them, on 127.0.0.1: a SQLite file store, the real
 * engine, @regua/channel-whatsapp, the webhook worker (driven by the test: long interval).
 */
export async function startHardenedServer(
  options: { limits?: Partial<ServerLimits>; busyTimeoutMs?: number; clock?: Clock } = {},
): Promise<HardenedServer> {
  const dir = mkdtempSync(path.join(tmpdir(), "regua-harden-"));
  const file = path.join(dir, "regua.db");
  const clock = options.clock ?? systemClock;
  const store = createSqliteStore({
    file,
    secretKey: "s".repeat(32),
    busyTimeoutMs: options.busyTimeoutMs ?? 5000,
  });
  await store.migrate();
  const logs: HardenedServer["logs"] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean)) logs.push(JSON.parse(line));
      done();
    },
  });
  const log = createLogger({ level: "info", destination });
  const wa = await whatsapp.create(
    whatsapp.optionsSchema.parse({ phoneNumberId: PHONE_NUMBER_ID, token: "t", appSecret: APP_SECRET }),
    createTestContext({ instanceId: "wa", clock, log, state: store.state("wa") }),
  );
  const engine = createEngine({
    store,
    connectors: new Map(),
    channels: new Map([["wa", wa]]),
    policy: parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml"),
    clock,
    log,
    workerId: "harden-test",
  });
  const worker = createWebhookWorker({ engine, store, log, clock, intervalMs: 60_000 });
  const app = await buildServer({
    engine,
    store,
    clock,
    log,
    worker,
    adminToken: ADMIN_TOKEN,
    channels: [{ id: "wa", packageName: "@regua/channel-whatsapp", instance: wa }],
    connectors: [],
    healthTtlMs: 60_000,
    ...(options.limits ? { limits: options.limits } : {}),
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url,
    app,
    store,
    worker,
    logs,
    file,
    async close() {
      await app.close();
      await worker.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const sign = (body: string | Buffer) =>
  `sha256=${createHmac("sha256", APP_SECRET).update(body).digest("hex")}`;

/** Meta's envelope around one change (field "messages"), as in the Cloud API webhook docs. */
export function notification(value: Record<string, unknown>) {
  return {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

export const nowSeconds = () => String(Math.floor(Date.now() / 1000));

export function textMessage(from: string, text: string, id: string, timestamp = nowSeconds()) {
  return { from, id, timestamp, type: "text", text: { body: text } };
}

export function deliveredStatus(n: number, timestamp = nowSeconds()) {
  return {
    id: `wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEj${String(n).padStart(8, "0")}`,
    status: "delivered",
    timestamp,
    recipient_id: "5511987654321",
  };
}

export interface PostResult {
  status: number;
  json: Record<string, unknown>;
  ms: number;
  retryAfter: string | null;
}

export async function postSigned(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<PostResult> {
  const started = performance.now();
  const response = await fetch(`${url}/webhooks/whatsapp/wa`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": sign(body), ...headers },
    body,
  });
  const json = (await response.json()) as Record<string, unknown>;
  return {
    status: response.status,
    json,
    ms: performance.now() - started,
    retryAfter: response.headers.get("retry-after"),
  };
}
