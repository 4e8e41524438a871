import { axiosTransport, createHttpClient } from "@regua/connector-kit";
import { MemoryKeyValueState } from "@regua/core";
import type { SenderDeps } from "./email.js";
import { describeRedacted, redactor } from "./redact.js";
import type { WebhookTargetConfig } from "./schema.js";
import type { DeliveryResult, Notification } from "./types.js";

export interface WebhookSender {
  readonly target: string;
  send(notification: Notification): Promise<DeliveryResult>;
}

/** The one axios feature used here, typed structurally (the runner does not depend on axios). */
interface CountableClient {
  interceptors: { request: { use(onRequest: (request: unknown) => unknown): number } };
}

const COLOURS = { critical: "D00000", warning: "E8A317", info: "2E7D32", resolved: "2E7D32" } as const;

/**
 * One JSON body both chat tools read, plus the structured alert for anything else:
 * - Slack incoming webhooks read `text` and the `attachments[].fields` (title/value/short)
 *   and ignore other keys: https://api.slack.com/messaging/webhooks,
 *   https://api.slack.com/reference/messaging/attachments
 * - Teams incoming webhooks (Office 365 connectors) read a MessageCard: `@type`, `summary`,
 *   `themeColor`, `title`, `text`, `sections[].facts` (name/value):
 *   https://learn.microsoft.com/outlook/actionable-messages/message-card-reference
 * - `regua` carries the alert as data, for a receiver of one's own.
 */
export function webhookBody(n: Notification): Record<string, unknown> {
  const state = n.status === "firing" ? `FIRING (${n.severity})` : "RESOLVED";
  const colour = n.status === "resolved" ? COLOURS.resolved : COLOURS[n.severity];
  const headline = `[régua] ${state}: ${n.title}`;
  return {
    text: `${headline}\n${n.text}`,
    attachments: [
      {
        color: `#${colour}`,
        title: n.title,
        text: n.text,
        fields: n.fields.map((f) => ({ title: f.name, value: f.value, short: f.value.length <= 40 })),
        ts: Math.floor(Date.parse(n.at) / 1000),
      },
    ],
    "@type": "MessageCard",
    "@context": "https://schema.org/extensions",
    summary: headline,
    themeColor: colour,
    title: headline,
    sections: [{ text: n.text, facts: n.fields.map((f) => ({ name: f.name, value: f.value })) }],
    regua: { ...n, fields: [...n.fields] },
  };
}

/**
 * POSTs a notification with the connector kit's client: bounded full-jitter retries of
 * network failures, 429 (honouring Retry-After) and 5xx. The POST counts as idempotent because
 * it carries an Idempotency-Key (the notification id) a receiver can de-duplicate on. The URL
 * is the secret (Slack's path, Teams' `sig`): it never appears in a log line or an error.
 */
export function createWebhookSender(
  config: WebhookTargetConfig,
  deps: SenderDeps & { signal?: AbortSignal },
): WebhookSender {
  const redact = redactor([config.url, ...Object.values(config.headers)]);
  const target = `webhook:${config.name}`;
  let attempts = 0;
  const counting = <T>(options: Parameters<typeof axiosTransport>[0]): T => {
    const instance = axiosTransport<CountableClient>(options);
    instance.interceptors.request.use((request: unknown) => {
      attempts += 1;
      return request;
    });
    return instance as T;
  };
  const client = createHttpClient(
    {
      system: target,
      baseURL: config.url,
      headers: { ...config.headers, "content-type": "application/json" },
      timeouts: { requestMs: deps.timeoutMs, connectMs: Math.min(deps.timeoutMs, 10_000) },
      retry: {
        attempts: deps.attempts,
        baseMs: deps.backoffMs ?? 1_000,
        capMs: 30_000,
        maxRetryAfterMs: 60_000,
      },
      ...(deps.random ? { random: deps.random } : {}),
    },
    {
      instanceId: target,
      http: counting,
      clock: deps.clock,
      log: deps.log,
      state: new MemoryKeyValueState(deps.clock),
      signal: deps.signal ?? new AbortController().signal,
    },
  );
  return {
    target,
    async send(notification) {
      attempts = 0;
      try {
        await client.request({
          method: "POST",
          url: "",
          data: webhookBody(notification),
          headers: { "idempotency-key": notification.id },
          idempotent: true,
          responseType: "text",
        });
        return { target, ok: true, attempts };
      } catch (error) {
        return { target, ok: false, attempts, error: describeRedacted(error, redact) };
      }
    },
  };
}
