import type { Clock, Logger } from "@regua/core";
import { createEmailSender, type EmailSender } from "./email.js";
import type { NotifyConfig } from "./schema.js";
import type { DeliveryResult, Notification } from "./types.js";
import { createWebhookSender, type WebhookSender } from "./webhook.js";

export { createEmailSender, type EmailSender, messageIdFor, type SenderDeps } from "./email.js";
export { describeRedacted, type Redact, redactor } from "./redact.js";
export { EmailConfig, NotifyConfig, WebhookTargetConfig } from "./schema.js";
export type { DeliveryResult, EmailAttachment, EmailMessage, Notification } from "./types.js";
export { createWebhookSender, type WebhookSender, webhookBody } from "./webhook.js";

/** Every configured target: the e-mail (if any) and each webhook. */
export interface Notifier {
  /** Null when no e-mail is configured; scheduled reports send through it. */
  readonly email: EmailSender | null;
  readonly webhooks: readonly WebhookSender[];
  /** Target names: "smtp:host:port", "webhook:<name>". */
  readonly targets: readonly string[];
  /**
   * Sends to every target at once (or only to `only`); never throws: each result says how it
   * went.
   */
  notify(notification: Notification, options?: { only?: readonly string[] }): Promise<DeliveryResult[]>;
  close(): void;
}

export interface NotifierDeps {
  clock: Clock;
  log: Logger;
  signal?: AbortSignal;
  backoffMs?: number;
  random?: () => number;
}

export function createNotifier(config: NotifyConfig, deps: NotifierDeps): Notifier {
  const senderDeps = {
    clock: deps.clock,
    log: deps.log,
    attempts: config.attempts,
    timeoutMs: config.timeoutMs,
    ...(deps.backoffMs === undefined ? {} : { backoffMs: deps.backoffMs }),
    ...(deps.random ? { random: deps.random } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  };
  const email = config.email ? createEmailSender(config.email, senderDeps) : null;
  const webhooks = config.webhooks.map((target) => createWebhookSender(target, senderDeps));
  return {
    email,
    webhooks,
    targets: [...webhooks.map((w) => w.target), ...(email ? [email.target] : [])],
    close: () => email?.close(),
    async notify(notification, options = {}) {
      const wanted = (target: string) => options.only === undefined || options.only.includes(target);
      const sends: Promise<DeliveryResult>[] = webhooks
        .filter((w) => wanted(w.target))
        .map((w) => w.send(notification));
      if (email && wanted(email.target)) sends.push(email.send(emailFor(notification)));
      const results = await Promise.all(sends);
      for (const result of results) {
        const line = { notification: notification.id, ...result };
        if (result.ok) deps.log.info(line, `notification delivered to ${result.target}`);
        else deps.log.error(line, `notification not delivered to ${result.target}`);
      }
      return results;
    },
  };
}

/** The plain-text alert e-mail; the subject says firing/resolved first so a mail filter can. */
export function emailFor(n: Notification) {
  const state = n.status === "firing" ? `FIRING (${n.severity})` : "RESOLVED";
  const facts = n.fields.map((f) => `${f.name}: ${f.value}`).join("\n");
  return {
    id: n.id,
    subject: `[régua] ${state}: ${n.title}`,
    text: `${n.text}\n\n${facts}\n\n${n.status === "firing" ? "Started" : "Cleared"} at ${n.at}.\n`,
  };
}
