import { type PluginContext, RateLimitError, type ReguaError } from "@regua/core";
import type { AxiosInstance, AxiosResponse } from "axios";
import { type Classify, errorOfKind, type KitResponse, kindForStatus, networkError } from "./classify.js";
import { RateLimiter, type RateLimits } from "./limiter.js";
import { retryAfterMs } from "./retry-after.js";

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Full jitter: the n-th wait is random in [0, min(capMs, baseMs·2^(n−1))). */
  baseMs: number;
  capMs: number;
  /** A server-given wait above this is not slept: RateLimitError{retryAfterMs} goes to the engine. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, capMs: 8_000, maxRetryAfterMs: 30_000 };

/** What a connector declares once about the API it talks to. */
export interface HttpPolicy {
  /** Names the system in every error and log line: "sap-b1", "whatsapp", "erp.example.com". */
  system: string;
  baseURL: string;
  headers?: Record<string, string>;
  timeouts?: { connectMs?: number; requestMs?: number };
  /** Self-signed certificates are common on premise: false only when the user says so. */
  tls?: { rejectUnauthorized?: boolean };
  /** A proxy URL; absent: from the environment (HTTPS_PROXY/HTTP_PROXY/NO_PROXY); false: none. */
  proxy?: string | false;
  retry?: Partial<RetryPolicy>;
  limits?: RateLimits;
  /** Vendor error bodies → verdict; runs before the status table, on every response. */
  classify?: Classify;
  /** Randomness for the jitter (tests pass their own). */
  random?: () => number;
}

export type HttpMethod = "GET" | "HEAD" | "OPTIONS" | "PUT" | "DELETE" | "POST" | "PATCH";
export type QueryParams = Record<string, string | number | boolean | undefined>;

export interface KitRequest {
  method: HttpMethod;
  /** Relative to the baseURL, or absolute (a next link). */
  url: string;
  params?: QueryParams;
  /** How params are written in the URL; OData wants %20, not "+", for spaces. */
  paramsSerializer?: (params: QueryParams) => string;
  data?: unknown;
  headers?: Record<string, string>;
  /** Statuses returned to the caller instead of thrown (404 on a single read). */
  allow?: readonly number[];
  /** The POST/PATCH carries an idempotency key the server dedupes on: it may be retried. */
  idempotent?: boolean;
  /** false: one attempt, whatever the method. */
  retry?: boolean;
  /** Which rate-limit bucket (tenant, realm, phone number); default "default". */
  limitKey?: string;
  responseType?: "json" | "text" | "arraybuffer";
}

export interface HttpClient {
  readonly system: string;
  readonly baseURL: string;
  /** Sends with limits, retries and error mapping; resolves on 2xx (or an allowed status). */
  request<T = unknown>(request: KitRequest): Promise<KitResponse<T>>;
}

/** RFC 9110 §9.2.2 idempotent methods: retried on transient failures by default. */
const IDEMPOTENT = new Set<HttpMethod>(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);

/** `givenWaitMs`: the wait the server (Retry-After…) or the vendor hook asked for; never jittered. */
type Attempt = { response: KitResponse } | { error: ReguaError; givenWaitMs: number | undefined };

/**
 * The HTTP client every plugin shares: the context's transport (keep-alive, proxy, timeouts),
 * the declared rate limits, bounded full-jitter retries of idempotent requests, Retry-After
 * honoured up to a cap, and every failure mapped to one core error class.
 * Never logs headers or bodies: they carry tokens and customer data.
 */
export function createHttpClient(policy: HttpPolicy, ctx: PluginContext): HttpClient {
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...policy.retry };
  const random = policy.random ?? Math.random;
  const limiter = new RateLimiter(policy.limits ?? {}, ctx.clock);
  const axios = ctx.http<AxiosInstance>({
    baseURL: policy.baseURL,
    ...(policy.headers ? { headers: policy.headers } : {}),
    ...(policy.timeouts?.requestMs === undefined ? {} : { timeoutMs: policy.timeouts.requestMs }),
    ...(policy.timeouts?.connectMs === undefined ? {} : { connectTimeoutMs: policy.timeouts.connectMs }),
    ...(policy.tls?.rejectUnauthorized === undefined
      ? {}
      : { rejectUnauthorized: policy.tls.rejectUnauthorized }),
    ...(policy.proxy === undefined ? {} : { proxy: policy.proxy }),
  });

  async function once(request: KitRequest, what: string): Promise<Attempt> {
    const started = ctx.clock.now().getTime();
    let raw: AxiosResponse;
    let left = false;
    try {
      raw = await limiter.run(
        request.limitKey ?? "default",
        () => {
          ctx.signal.throwIfAborted();
          left = true;
          return send(axios, request, ctx.signal);
        },
        ctx.signal,
      );
    } catch (error) {
      // Stopped before the request left: the host's own reason (a shutdown), nothing was sent.
      // Stopped while a request that is not idempotent was out: the server may have acted on
      // it, so it is an ambiguous network failure (a send becomes "unknown", never resent).
      if (ctx.signal.aborted && !(left && !isIdempotent(request))) throw ctx.signal.reason;
      return { error: networkError(policy.system, what, error), givenWaitMs: undefined };
    }
    const response = toKitResponse(raw);
    const ms = ctx.clock.now().getTime() - started;
    ctx.log.debug({ system: policy.system, request: what, status: response.status, ms }, "HTTP request");
    return judge(policy, request, response, what, ctx.clock.now().getTime());
  }

  return {
    system: policy.system,
    baseURL: policy.baseURL,
    async request<T>(request: KitRequest): Promise<KitResponse<T>> {
      const what = `${request.method} ${pathOf(request.url)}`;
      const mayRetry = request.retry !== false;
      const idempotent = isIdempotent(request);
      for (let attempt = 1; ; attempt++) {
        const outcome = await once(request, what);
        if ("response" in outcome) return outcome.response as KitResponse<T>;
        const { error, givenWaitMs } = outcome;
        if (givenWaitMs !== undefined && givenWaitMs > retry.maxRetryAfterMs && error.retryable) {
          throw new RateLimitError(`${error.message} (asked to wait ${givenWaitMs} ms)`, givenWaitMs, {
            provider: error.provider,
            reason: "retry-after over cap",
          });
        }
        // A request that never left may be sent again whatever its method; one that may have
        // been processed only when it is idempotent.
        const replayable = idempotent || error.reason === "not sent";
        if (!mayRetry || !error.retryable || !replayable || attempt >= retry.attempts) throw error;
        const delayMs = givenWaitMs ?? fullJitter(attempt, retry, random);
        ctx.log.warn(
          {
            system: policy.system,
            request: what,
            attempt,
            delayMs,
            reason: error.reason,
            error: error.describe(),
          },
          "HTTP request failed; retrying",
        );
        await ctx.clock.sleep(delayMs, ctx.signal);
      }
    },
  };
}

function isIdempotent(request: KitRequest): boolean {
  return IDEMPOTENT.has(request.method) || request.idempotent === true;
}

function send(axios: AxiosInstance, request: KitRequest, signal: AbortSignal): Promise<AxiosResponse> {
  return axios.request({
    method: request.method,
    url: request.url,
    ...(request.params ? { params: request.params } : {}),
    ...(request.paramsSerializer ? { paramsSerializer: request.paramsSerializer } : {}),
    ...(request.data === undefined ? {} : { data: request.data }),
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.responseType ? { responseType: request.responseType } : {}),
    signal,
    validateStatus: () => true,
  });
}

/** Vendor hook first, then the status table; an allowed status is handed back as is. */
function judge(
  policy: HttpPolicy,
  request: KitRequest,
  response: KitResponse,
  what: string,
  nowMs: number,
): Attempt {
  const verdict = policy.classify?.(response);
  let kind = verdict?.kind ?? kindForStatus(response.status);
  if (kind !== "ok" && verdict?.kind === undefined && request.allow?.includes(response.status)) kind = "ok";
  if (kind === "ok") return { response };
  const givenWaitMs = retryAfterMs(response.headers, nowMs) ?? verdict?.retryAfterMs;
  const said = verdict?.message;
  const error = errorOfKind(
    kind,
    `${policy.system} answered HTTP ${response.status} to ${what}${said ? `: ${said}` : ""}`,
    {
      provider: {
        ...verdict?.detail,
        system: policy.system,
        status: response.status,
        code: verdict?.code,
        message: said,
      },
      reason: verdict?.kind ? "vendor" : `status ${response.status}`,
      retryAfterMs: givenWaitMs,
    },
  );
  return { error, givenWaitMs };
}

/** AWS's "full jitter": a uniform wait below the capped exponential, so retries spread out. */
export function fullJitter(
  attempt: number,
  retry: Pick<RetryPolicy, "baseMs" | "capMs">,
  random: () => number,
): number {
  return Math.floor(random() * Math.min(retry.capMs, retry.baseMs * 2 ** (attempt - 1)));
}

function toKitResponse(raw: AxiosResponse): KitResponse {
  const headers: Record<string, string> = {};
  let setCookie: string[] = [];
  for (const [name, value] of Object.entries(raw.headers ?? {})) {
    if (value === undefined || value === null) continue;
    const key = name.toLowerCase();
    if (key === "set-cookie") setCookie = Array.isArray(value) ? value.map(String) : [String(value)];
    else headers[key] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return { status: raw.status, headers, setCookie, data: raw.data };
}

/** A URL's path without its query string (which may carry keys), for messages and logs. */
export function pathOf(url: string): string {
  const path = /^https?:\/\//i.test(url) ? new URL(url).pathname : url;
  return path.split("?")[0] ?? path;
}
