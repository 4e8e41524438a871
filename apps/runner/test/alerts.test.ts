import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { restErpPreset } from "@regua/connector-rest";
import { type AlertStore, SAMPLE_POLICY_YAML, silentLogger, systemClock } from "@regua/core";
import {
  type SmtpSink,
  startSmtpSink,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@regua/test-fixtures/notify";
import { type FakeRestErp, startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { stringify } from "yaml";
import { runAlerts } from "../src/alerts/evaluate.js";
import { alertCrons } from "../src/alerts/job.js";
import { parseConfig } from "../src/config.js";
import { createNotifier } from "../src/notify/index.js";
import { openRuntime, type Runtime } from "../src/runtime.js";

let dir: string;
let erp: FakeRestErp;
let sink: SmtpSink;
let receiver: WebhookReceiver;
let runtime: Runtime;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "regua-alerts-"));
  erp = await startFakeRestErp({ seed: 3, customers: 5, today: "2026-03-10", token: "erp-token" });
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  const text = stringify({
    store: { sqlite: "./regua.db" },
    secretKey: "alerts-test-secret-key-0123456789",
    sources: [
      { id: "erp", connector: "@regua/connector-rest", options: restErpPreset(erp.url, "erp-token") },
    ],
    channels: [
      {
        id: "wa",
        channel: "@regua/channel-whatsapp",
        options: { phoneNumberId: "1", token: "t", appSecret: "s" },
      },
    ],
    policy: "./policy.yaml",
    notify: {
      email: {
        host: sink.host,
        port: sink.port,
        from: "régua <alerts@example.com>",
        to: ["ops@example.com"],
      },
      webhooks: [{ name: "chat", url: receiver.url }],
      attempts: 2,
      timeoutMs: 5_000,
    },
  });
  const config = parseConfig(text, path.join(dir, "regua.yaml"), { env: {} });
  runtime = await openRuntime(config, { log: silentLogger, signal: new AbortController().signal });
});
afterAll(async () => {
  await runtime?.close();
  await Promise.all([erp?.close(), sink?.close(), receiver?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

/** One evaluation with a fresh notifier each time, as after a restart. */
async function evaluate() {
  const alerts = runtime.store.alerts as AlertStore;
  const notifier = createNotifier(runtime.config.notify, {
    clock: systemClock,
    log: silentLogger,
    backoffMs: 5,
  });
  return runAlerts({
    alerts,
    notifier,
    config: runtime.config.alerts,
    clock: systemClock,
    log: silentLogger,
  });
}

// Each sync asks the fake ERP three times (customers, invoices, payments). A 401 fails at once;
// a 503 fails the same way after the connector kit's bounded retries, only slower.
const FAILED_SYNC = 3;

it("ERP refusing: one message when the sync alert starts and one when it clears, by e-mail and webhook", async () => {
  await runtime.engine.sync();
  expect((await evaluate()).opened).toEqual([]);

  erp.failNext(2 * FAILED_SYNC, 401);
  await runtime.engine.sync();
  expect((await evaluate()).opened).toEqual(["sync_failed:erp"]);
  // Still failing, evaluated again and after a "restart" (a new notifier): nothing new is sent.
  await runtime.engine.sync();
  await evaluate();
  await evaluate();
  expect(sink.mails.map((m) => m.parsed.subject)).toEqual([
    "[régua] FIRING (critical): Source erp: sync failing",
  ]);
  expect(sink.mails[0]?.parsed.text).toContain("HTTP 401");
  expect(receiver.delivered().map((r) => (r.body as { regua: { status: string } }).regua.status)).toEqual([
    "firing",
  ]);

  await runtime.engine.sync();
  expect((await evaluate()).resolved).toEqual(["sync_failed:erp"]);
  await evaluate();
  expect(sink.mails.map((m) => m.parsed.subject)).toEqual([
    "[régua] FIRING (critical): Source erp: sync failing",
    "[régua] RESOLVED: Source erp: sync failing",
  ]);
  const statuses = receiver.delivered().map((r) => (r.body as { regua: { status: string } }).regua.status);
  expect(statuses).toEqual(["firing", "resolved"]);
});

it("a target that missed the start message gets it at the next evaluation, the other does not get it twice", async () => {
  erp.failNext(FAILED_SYNC, 401);
  await runtime.engine.sync();
  receiver.failNext(2, 503);
  expect((await evaluate()).opened).toEqual(["sync_failed:erp"]);
  expect(sink.mails).toHaveLength(3);
  expect(receiver.delivered()).toHaveLength(2);
  await evaluate();
  expect(sink.mails).toHaveLength(3);
  expect(receiver.delivered()).toHaveLength(3);
  expect(receiver.requests.at(-1)?.headers["idempotency-key"]).toBe(
    receiver.requests.at(-2)?.headers["idempotency-key"],
  );
});

it("`regua run` schedules the evaluation every minute; a second replica skips the tick under the lease", async () => {
  const jobs: (() => Promise<unknown>)[] = [];
  const job = (_name: string, fn: () => Promise<unknown>) => {
    jobs.push(fn);
    return async () => {};
  };
  const [cron] = alertCrons(runtime, job);
  expect(cron?.getPattern()).toBe("* * * * *");
  cron?.stop(); // croner names are global: the second replica's cron can take the name now
  for (const other of alertCrons({ ...runtime, workerId: "other:1" }, job)) other.stop();
  expect(await jobs[0]?.()).toMatchObject({ opened: [], resolved: [] });
  expect(await jobs[1]?.()).toEqual({ skipped: "another runner" });
});
