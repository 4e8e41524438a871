import { type Logger, systemClock } from "@regua/core";
import {
  type SmtpSink,
  startSmtpSink,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@regua/test-fixtures/notify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createNotifier, type Notification, NotifyConfig } from "../src/notify/index.js";

/** Every log line the notifier writes, serialised, to check no secret is in one. */
function recordingLogger(lines: string[]): Logger {
  const write = (level: string) => (obj: object | string, msg?: string) => {
    lines.push(`${level} ${JSON.stringify(obj)} ${msg ?? ""}`);
  };
  const log: Logger = {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: () => log,
  };
  return log;
}

const PASSWORD = "s3cret-smtp-password-ABC";
const alert: Notification = {
  id: "sync_failed:matriz:2026-12-02T10:00:00.000Z:firing",
  status: "firing",
  severity: "critical",
  title: "Source matriz: sync failing",
  text: "The last 3 syncs of matriz failed: sap-b1 answered HTTP 503.",
  fields: [
    { name: "Rule", value: "sync_failed" },
    { name: "Source", value: "matriz" },
  ],
  at: "2026-12-02T10:00:00.000Z",
};

let sink: SmtpSink;
let receiver: WebhookReceiver;
let lines: string[];
beforeEach(async () => {
  sink = await startSmtpSink({ auth: { user: "alerts", pass: PASSWORD } });
  receiver = await startWebhookReceiver();
  lines = [];
});
afterEach(async () => {
  await sink.close();
  await receiver.close();
});

function notifier(overrides: { url?: string; password?: string; attempts?: number } = {}) {
  const config = NotifyConfig.parse({
    email: {
      host: sink.host,
      port: sink.port,
      user: "alerts",
      password: overrides.password ?? PASSWORD,
      from: "régua <alerts@example.com>",
      to: ["finance@example.com", "ops@example.com"],
    },
    webhooks: [{ name: "slack", url: overrides.url ?? receiver.url }],
    attempts: overrides.attempts ?? 4,
    timeoutMs: 5_000,
  });
  return createNotifier(config, { clock: systemClock, log: recordingLogger(lines), backoffMs: 5 });
}

describe("notifier", () => {
  it("delivers one alert by e-mail (SMTP AUTH) and by a Slack/Teams-compatible webhook", async () => {
    const results = await notifier().notify(alert);
    expect(results.map((r) => [r.target, r.ok, r.attempts])).toEqual([
      ["webhook:slack", true, 1],
      [`smtp:${sink.host}:${sink.port}`, true, 1],
    ]);
    const [mail] = await sink.waitFor(1);
    expect(mail?.user).toBe("alerts");
    expect(mail?.to).toEqual(["finance@example.com", "ops@example.com"]);
    expect(mail?.parsed.subject).toBe("[régua] FIRING (critical): Source matriz: sync failing");
    expect(mail?.parsed.text).toContain("Source: matriz");
    expect(mail?.parsed.headers.get("x-regua-notification-id")).toBe(alert.id);
    const [hook] = await receiver.waitFor(1);
    expect(hook?.headers["idempotency-key"]).toBe(alert.id);
    const body = hook?.body as Record<string, unknown>;
    // Slack reads `text` and attachments[].fields; Teams a MessageCard's sections[].facts.
    expect(body.text).toMatch(/^\[régua\] FIRING \(critical\): Source matriz: sync failing\n/);
    expect(body["@type"]).toBe("MessageCard");
    expect(body.sections).toEqual([
      {
        text: alert.text,
        facts: [
          { name: "Rule", value: "sync_failed" },
          { name: "Source", value: "matriz" },
        ],
      },
    ]);
    expect((body.attachments as { fields: unknown[] }[])[0]?.fields).toHaveLength(2);
    expect((body.regua as Notification).status).toBe("firing");
  });

  it("retries a 503 and a 451 a bounded number of times, with the same ids", async () => {
    receiver.failNext(2, 503);
    sink.failNext(1, { code: 451, message: "4.3.0 mailbox busy" });
    const results = await notifier().notify(alert);
    expect(results.map((r) => [r.ok, r.attempts, r.error])).toEqual([
      [true, 3, undefined],
      [true, 2, undefined],
    ]);
    expect(receiver.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(receiver.requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([alert.id]));
    expect(sink.mails).toHaveLength(1);
  });

  it("gives up after `attempts` and does not retry a permanent refusal", async () => {
    receiver.failNext(10, 503);
    sink.failNext(10, { code: 550, message: "5.7.1 relaying denied" });
    const results = await notifier({ attempts: 3 }).notify(alert);
    expect(results.map((r) => [r.ok, r.attempts])).toEqual([
      [false, 3],
      [false, 1],
    ]);
    expect(receiver.requests).toHaveLength(3);
    expect(results[1]?.error).toContain("relaying denied");
  });

  it("never writes the SMTP password or the webhook token in a log line or an error", async () => {
    const wrongPassword = "wrong-password-XYZ-123";
    const badUrl = receiver.url.replace(receiver.token, `${receiver.token}nope`);
    const results = await notifier({ password: wrongPassword, url: badUrl }).notify(alert);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[1]?.attempts).toBe(1); // a refused login is not retried
    const everything = JSON.stringify(results) + lines.join("\n");
    expect(everything).toContain("not delivered");
    for (const secret of [wrongPassword, receiver.token, badUrl, PASSWORD])
      expect(everything).not.toContain(secret);
  });
});
