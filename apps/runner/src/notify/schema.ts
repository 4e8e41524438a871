import { z } from "zod";

/**
 * `notify:` in regua.yaml: where alerts (and scheduled reports) are delivered. Secrets (the SMTP
 * password, webhook URLs, whose path is their token) are written as `{ env: NAME }`; the
 * notifier never puts them in a log line or an error message.
 */
const Address = z.string().min(3).regex(/@/, "must be an e-mail address");

export const EmailConfig = z.strictObject({
  host: z.string().min(1),
  /** 587 (STARTTLS) by default; 465 with `secure: true`; a local relay may use 25. */
  port: z.number().int().min(1).max(65535).default(587),
  /** true: TLS from the first byte (port 465). false: STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  /** Refuse to send over a connection that did not upgrade to TLS (recommended off-host). */
  requireTLS: z.boolean().default(false),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
  from: z.string().min(3),
  to: z.array(Address).min(1, "needs at least one recipient"),
  /** Self-signed relays inside a company network: false only when the user says so. */
  rejectUnauthorized: z.boolean().default(true),
});

export const WebhookTargetConfig = z.strictObject({
  /** Names the target in logs instead of its URL (which is a secret). */
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, ., - or _"),
  url: z.url({ protocol: /^https?$/ }),
  /** Extra headers (an Authorization for a generic receiver); values are secrets too. */
  headers: z.record(z.string(), z.string()).default({}),
});

export const NotifyConfig = z
  .strictObject({
    email: EmailConfig.optional(),
    webhooks: z.array(WebhookTargetConfig).default([]),
    /** Tries per message in all (the first included), with full-jitter backoff between them. */
    attempts: z.number().int().min(1).max(10).default(4),
    /** Per try: connect + send. */
    timeoutMs: z.number().int().min(1_000).max(120_000).default(15_000),
  })
  .default({ webhooks: [], attempts: 4, timeoutMs: 15_000 });

export type EmailConfig = z.output<typeof EmailConfig>;
export type WebhookTargetConfig = z.output<typeof WebhookTargetConfig>;
export type NotifyConfig = z.output<typeof NotifyConfig>;
