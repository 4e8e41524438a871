import { createHash } from "node:crypto";
import {
  AuthError,
  type Clock,
  type Logger,
  PermanentError,
  type ReguaError,
  TransientError,
  withRetry,
} from "@regua/core";
import nodemailer from "nodemailer";
import { describeRedacted, type Redact, redactor } from "./redact.js";
import type { EmailConfig } from "./schema.js";
import type { DeliveryResult, EmailMessage } from "./types.js";

export interface SenderDeps {
  clock: Clock;
  log: Logger;
  attempts: number;
  timeoutMs: number;
  /** Backoff base between tries; tests shorten it. */
  backoffMs?: number;
  random?: () => number;
}

export interface EmailSender {
  readonly target: string;
  send(message: EmailMessage): Promise<DeliveryResult>;
  close(): void;
}

/**
 * E-mail over SMTP with nodemailer (https://nodemailer.com/smtp/). One connection per message
 * (no pool: alerts are rare, and a pooled socket a relay dropped is one more failure mode).
 * The Message-ID is derived from the message id, so a retry after an ambiguous failure (the
 * relay took the DATA and the connection dropped before its 250) is the same message to any
 * client that de-duplicates or threads by Message-ID.
 */
export function createEmailSender(config: EmailConfig, deps: SenderDeps): EmailSender {
  const redact = redactor([config.password]);
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTLS,
    ...(config.user ? { auth: { user: config.user, pass: config.password ?? "" } } : {}),
    connectionTimeout: deps.timeoutMs,
    greetingTimeout: deps.timeoutMs,
    socketTimeout: deps.timeoutMs,
    tls: { rejectUnauthorized: config.rejectUnauthorized },
    // nodemailer logs nothing unless asked; say so, its debug output carries the AUTH exchange.
    logger: false,
    debug: false,
  });
  const target = `smtp:${config.host}:${config.port}`;
  return {
    target,
    close: () => transport.close(),
    async send(message) {
      let attempts = 0;
      const mail = {
        from: config.from,
        to: [...(message.to ?? config.to)],
        subject: message.subject,
        text: message.text,
        ...(message.html === undefined ? {} : { html: message.html }),
        attachments: (message.attachments ?? []).map((a) => ({ ...a })),
        messageId: messageIdFor(message.id, config.from),
        headers: { "X-Regua-Notification-Id": message.id },
      };
      try {
        await withRetry(
          async (attempt) => {
            attempts = attempt;
            try {
              await transport.sendMail(mail);
            } catch (error) {
              throw smtpError(error, target, redact);
            }
          },
          {
            attempts: deps.attempts,
            baseMs: deps.backoffMs ?? 1_000,
            maxMs: 30_000,
            clock: deps.clock,
            ...(deps.random ? { random: deps.random } : {}),
            onRetry: (error, attempt, delayMs) =>
              deps.log.warn(
                { target, attempt, delayMs, error: describeRedacted(error, redact) },
                "e-mail not sent, trying again",
              ),
          },
        );
        return { target, ok: true, attempts };
      } catch (error) {
        return { target, ok: false, attempts, error: describeRedacted(error, redact) };
      }
    },
  };
}

/** RFC 5322 msg-id: a hash of our id (ids carry ':' and instants) at the sender's domain. */
export function messageIdFor(id: string, from: string): string {
  const domain = /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? "regua.invalid";
  return `<${createHash("sha256").update(id).digest("hex").slice(0, 32)}@${domain}>`;
}

/**
 * SMTP replies: 4xx is "try again later" (RFC 5321 §4.2.1), 5xx is final; a refused login is
 * not retried (it will not get better and may lock the account). Socket and DNS failures are
 * transient. Only our redacted words are kept: the library's error object may hold the command.
 */
function smtpError(error: unknown, target: string, redact: Redact): ReguaError {
  const { code, responseCode, response } = (error ?? {}) as {
    code?: unknown;
    responseCode?: unknown;
    response?: unknown;
  };
  const said = redact(typeof response === "string" ? response : describeRedacted(error, redact));
  const provider = {
    system: target,
    code: typeof responseCode === "number" ? responseCode : typeof code === "string" ? code : undefined,
    message: said,
  };
  const message = `${target}: e-mail not sent: ${said}`;
  if (code === "EAUTH") return new AuthError(message, { provider });
  // nodemailer tags a refused DATA "EMESSAGE" and a refused RCPT "EENVELOPE" whatever the reply
  // class: the reply code decides.
  if (typeof responseCode === "number" && responseCode >= 400 && responseCode < 500)
    return new TransientError(message, { provider });
  if (typeof responseCode === "number" && responseCode >= 500)
    return new PermanentError(message, { provider });
  if (code === "EENVELOPE" || code === "EMESSAGE") return new PermanentError(message, { provider });
  return new TransientError(message, { provider });
}
