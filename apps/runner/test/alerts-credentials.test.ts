import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type AlertStore, SAMPLE_POLICY_YAML, silentLogger, systemClock } from "@regua/core";
import {
  type SmtpSink,
  startSmtpSink,
  startWebhookReceiver,
  type WebhookReceiver,
} from "@regua/test-fixtures/notify";
import { type FakeQuickBooks, startFakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateAccountRules } from "../src/alerts/account-rules.js";
import { runAlerts } from "../src/alerts/evaluate.js";
import { alertRunDeps } from "../src/alerts/job.js";
import { AlertsConfig } from "../src/alerts/schema.js";
import { parseConfig } from "../src/config.js";
import { createNotifier } from "../src/notify/index.js";
import { openRuntime, type Runtime } from "../src/runtime.js";

const DAY_S = 24 * 60 * 60;

let dir: string;
let qbo: FakeQuickBooks;
let sink: SmtpSink;
let receiver: WebhookReceiver;
let rt: Runtime;

beforeAll(async () => {
  // Intuit's token endpoint says the refresh token has 5 days left (x_refresh_token_expires_in).
  qbo = await startFakeQuickBooks({
    seed: 5,
    customers: 3,
    today: "2026-03-15",
    limits: false,
    refreshTokenTtlSeconds: 5 * DAY_S,
  });
  sink = await startSmtpSink();
  receiver = await startWebhookReceiver();
  dir = mkdtempSync(path.join(tmpdir(), "regua-alerts-credentials-"));
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  const config = parseConfig(
    `
store: { sqlite: ./regua.db }
secretKey: alerts-credentials-secret-0123456789
sources:
  - id: qbo
    connector: "@regua/connector-quickbooks"
    options:
      realmId: "${qbo.realmId}"
      clientId: ${qbo.clientId}
      clientSecret: ${qbo.clientSecret}
      refreshToken: ${qbo.issueRefreshToken()}
      baseUrl: ${qbo.url}
      tokenUrl: ${qbo.tokenUrl}
      homeCurrency: BRL
channels: [{ id: wa, channel: "@regua/channel-whatsapp", options: { phoneNumberId: "1", token: t, appSecret: s } }]
policy: ./policy.yaml
notify:
  email: { host: ${sink.host}, port: ${sink.port}, from: "régua <alerts@example.com>", to: [ops@example.com] }
  webhooks: [{ name: chat, url: "${receiver.url}" }]
  attempts: 2
alerts:
  credentials: { days: 14 }
`,
    path.join(dir, "regua.yaml"),
    { env: {} },
  );
  rt = await openRuntime(config, { log: silentLogger, signal: new AbortController().signal });
}, 60_000);

afterAll(async () => {
  await rt?.close();
  await Promise.all([qbo?.close(), sink?.close(), receiver?.close()]);
  rmSync(dir, { recursive: true, force: true });
});

async function evaluate() {
  const notifier = createNotifier(rt.config.notify, { clock: systemClock, log: silentLogger, backoffMs: 5 });
  return runAlerts(alertRunDeps(rt, rt.store.alerts as AlertStore, notifier));
}

describe("credential_expiring", () => {
  it("a QuickBooks refresh token 5 days from its end: one FIRING; reconnected with a fresh one: one RESOLVED", async () => {
    const key = `credential_expiring:qbo/QuickBooks refresh token (company ${qbo.realmId})`;
    await rt.engine.sync(); // refreshes the access token: Intuit says when the refresh token ends
    expect((await evaluate()).opened).toEqual([key]);
    await evaluate();
    await rt.engine.sync();
    await evaluate();
    const title = `Source qbo: QuickBooks refresh token (company ${qbo.realmId}) expires in 4 days`;
    expect(sink.mails.map((m) => m.parsed.subject)).toEqual([`[régua] FIRING (warning): ${title}`]);

    // Reconnected: Intuit issues a refresh token with its full ~101 days again.
    qbo.setRefreshTokenTtl(8_726_400);
    qbo.expireAccessTokens();
    await rt.engine.sync();
    expect((await evaluate()).resolved).toEqual([key]);
    await evaluate();
    expect(sink.mails.map((m) => m.parsed.subject)).toEqual([
      `[régua] FIRING (warning): ${title}`,
      `[régua] RESOLVED: ${title}`,
    ]);
    const statuses = receiver.delivered().map((r) => (r.body as { regua: { status: string } }).regua.status);
    expect(statuses).toEqual(["firing", "resolved"]);
  });

  it("an API key with a configured expiry date: warning inside the threshold, critical once past it", () => {
    const config = AlertsConfig.parse({
      credentials: { days: 10, apiKeys: [{ source: "ixc", expiresOn: "2026-03-20" }] },
    });
    const facts = (expiresAt: string) => ({
      templates: [],
      channels: [],
      credentials: [{ source: "ixc", name: "API key", expiresAt }],
    });
    expect(
      evaluateAccountRules(facts("2026-04-01T00:00:00.000Z"), config, "2026-03-10T12:00:00.000Z"),
    ).toEqual([]);
    expect(
      evaluateAccountRules(facts("2026-03-19T00:00:00.000Z"), config, "2026-03-10T12:00:00.000Z"),
    ).toMatchObject([
      {
        key: "credential_expiring:ixc/API key",
        severity: "warning",
        title: "Source ixc: API key expires in 8 days",
      },
    ]);
    expect(
      evaluateAccountRules(facts("2026-03-09T00:00:00.000Z"), config, "2026-03-10T12:00:00.000Z"),
    ).toMatchObject([{ severity: "critical", title: "Source ixc: API key has expired" }]);
  });
});
