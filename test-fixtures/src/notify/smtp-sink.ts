import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** Envelope, as the client gave it in MAIL FROM / RCPT TO. */
  from: string;
  to: string[];
  /** The login the client used, when it authenticated. */
  user: string | null;
  /** The MIME message parsed by mailparser: subject, text, html, attachments, headers. */
  parsed: ParsedMail;
}

export interface SmtpSinkOptions {
  /** When set, AUTH PLAIN/LOGIN must match or the server answers 535. */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  host: string;
  port: number;
  mails: ReceivedMail[];
  /** The next `count` messages are refused after DATA with this SMTP reply (451: try later; 550: no). */
  failNext(count: number, reply?: { code: number; message: string }): void;
  /** Resolves when `count` mails have arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/**
 * A local SMTP server that keeps what it receives (smtp-server, parsed with mailparser), for
 * tests of anything that sends e-mail. Plain text on 127.0.0.1: STARTTLS is disabled so
 * nodemailer does not try to upgrade, and AUTH is allowed without TLS.
 */
export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const mails: ReceivedMail[] = [];
  let failures: { left: number; reply: { code: number; message: string } } = {
    left: 0,
    reply: { code: 451, message: "try again later" },
  };
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    logger: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authOptional: options.auth === undefined,
    onAuth(auth, _session, callback) {
      const expected = options.auth;
      if (expected && auth.username === expected.user && auth.password === expected.pass)
        return callback(null, { user: auth.username });
      const error = Object.assign(new Error("Invalid username or password"), { responseCode: 535 });
      return callback(error);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          if (failures.left > 0) {
            failures.left -= 1;
            const { code, message } = failures.reply;
            return callback(Object.assign(new Error(message), { responseCode: code }));
          }
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            to: session.envelope.rcptTo.map((r) => r.address),
            user: typeof session.user === "string" ? session.user : null,
            parsed,
          });
          for (const wake of waiters) wake();
          return callback();
        })
        .catch((error: Error) => callback(error));
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: "127.0.0.1",
    port,
    mails,
    failNext(count, reply = { code: 451, message: "try again later" }) {
      failures = { left: count, reply };
    },
    waitFor: (count, timeoutMs = 5_000) => waitUntil(() => mails.length >= count, waiters, timeoutMs, mails),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Resolves with `value` once `done()` holds, re-checked whenever a waiter is woken. */
export function waitUntil<T>(
  done: () => boolean,
  waiters: Set<() => void>,
  timeoutMs: number,
  value: T,
): Promise<T> {
  if (done()) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      waiters.delete(check);
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const check = () => {
      if (!done()) return;
      clearTimeout(timer);
      waiters.delete(check);
      resolve(value);
    };
    waiters.add(check);
  });
}
