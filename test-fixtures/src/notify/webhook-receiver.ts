import { randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { waitUntil } from "./smtp-sink.js";

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  /** The body parsed as JSON (null when it was not JSON). */
  body: unknown;
  raw: string;
  /** The status the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  /** Where to POST: a Slack-like path whose last segment is a random token (the secret). */
  url: string;
  /** The token in `url`, to check it never shows up in logs. */
  token: string;
  /** Every request, answered or failed. */
  requests: ReceivedWebhook[];
  /** Only the requests answered 200. */
  delivered(): ReceivedWebhook[];
  /** The next `count` requests are answered with `status` (and Retry-After seconds when given). */
  failNext(count: number, status?: number, retryAfterSeconds?: number): void;
  /** Resolves when `count` requests have been answered 200. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * A local HTTP receiver for Slack/Teams-style incoming webhooks: POST JSON to a secret path,
 * "ok" back (Slack answers the text "ok"). A POST to any other path gets 404, as Slack does
 * for a revoked hook.
 */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const token = randomBytes(12).toString("hex");
  const path = `/services/T0000000/B0000000/${token}`;
  const requests: ReceivedWebhook[] = [];
  const waiters = new Set<() => void>();
  let failures = { left: 0, status: 503, retryAfter: undefined as number | undefined };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let status = 200;
      if (req.method !== "POST" || req.url !== path) status = 404;
      else if (failures.left > 0) {
        failures.left -= 1;
        status = failures.status;
        if (failures.retryAfter !== undefined) res.setHeader("retry-after", String(failures.retryAfter));
      }
      requests.push({ path: req.url ?? "", headers: req.headers, body: parseJson(raw), raw, status });
      res.statusCode = status;
      res.setHeader("content-type", "text/plain");
      res.end(status === 200 ? "ok" : status === 404 ? "no_service" : "unavailable");
      for (const wake of waiters) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const delivered = () => requests.filter((r) => r.status === 200);
  return {
    url: `http://127.0.0.1:${port}${path}`,
    token,
    requests,
    delivered,
    failNext(count, status = 503, retryAfterSeconds) {
      failures = { left: count, status, retryAfter: retryAfterSeconds };
    },
    waitFor: (count, timeoutMs = 5_000) =>
      waitUntil(() => delivered().length >= count, waiters, timeoutMs, requests).then(delivered),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
