import {
  AuthError,
  isReguaError,
  NotFoundError,
  type PluginContext,
  RateLimitError,
  type ReguaError,
  TokenBucket,
  TransientError,
  ValidationError,
  withRetry,
} from "@regua/core";
import type { AxiosInstance, AxiosResponse } from "axios";
import { getPath } from "./map.js";
import type { ResourceOptions, RestAuth, RestConnectorOptions } from "./options.js";
import { formatSince, nextPosition, type PagePosition, pathOf } from "./paging.js";
import { ErpErrorBody, type ErpRecord, ErpRecordList } from "./schemas.js";

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  params?: Record<string, string | number>;
  data?: unknown;
  headers?: Record<string, string>;
  /** Statuses the caller handles itself (404 for a single read) instead of an error. */
  allow?: readonly number[];
}

export interface HttpAnswer {
  status: number;
  data: unknown;
  headers: Record<string, string>;
}

/** Thrown inside withRetry to stop it at once; carries the error the caller should see. */
class StopRetrying extends Error {
  constructor(readonly error: ReguaError) {
    super(error.message);
  }
}

function authHeaders(auth: RestAuth): Record<string, string> {
  switch (auth.type) {
    case "bearer":
      return { Authorization: `Bearer ${auth.token}` };
    case "basic":
      return {
        Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}`,
      };
    case "apiKey":
      return { [auth.header]: auth.value };
    case "none":
      return {};
  }
}

/**
 * Talks HTTP to the ERP: auth, paging, a client-side rate limit, bounded retries of idempotent
 * requests (429 waits the server's Retry-After), and HTTP failures turned into core errors that
 * carry the ERP's own code and message. Never logs headers or bodies (they hold secrets).
 */
export class RestClient {
  readonly system: string;
  private readonly http: AxiosInstance;
  private readonly bucket: TokenBucket | undefined;

  constructor(
    private readonly options: RestConnectorOptions,
    private readonly ctx: PluginContext,
  ) {
    this.system = options.system ?? new URL(options.baseUrl).host;
    this.http = ctx.http<AxiosInstance>({
      baseURL: options.baseUrl,
      timeoutMs: options.timeoutMs,
      rejectUnauthorized: options.rejectUnauthorized,
      headers: { Accept: "application/json", ...options.headers, ...authHeaders(options.auth) },
    });
    this.bucket = options.rateLimit
      ? new TokenBucket(options.rateLimit.perSecond, Math.max(1, options.rateLimit.perSecond), ctx.clock)
      : undefined;
  }

  /**
   * Runs `operation` with the configured bounded backoff. A Retry-After longer than
   * `retry.maxRetryAfterMs` is not slept through here: the RateLimitError goes to the engine.
   */
  async retrying<T>(operation: () => Promise<T>): Promise<T> {
    const { attempts, baseMs, maxMs, maxRetryAfterMs } = this.options.retry;
    try {
      return await withRetry(
        async () => {
          try {
            return await operation();
          } catch (error) {
            if (
              isReguaError(error) &&
              error.code === "RATE_LIMIT" &&
              (error as RateLimitError).retryAfterMs > maxRetryAfterMs
            ) {
              throw new StopRetrying(error);
            }
            throw error;
          }
        },
        {
          attempts,
          baseMs,
          maxMs,
          clock: this.ctx.clock,
          signal: this.ctx.signal,
          onRetry: (error, attempt, delayMs) =>
            this.ctx.log.warn(
              { attempt, delayMs, error: (error as Error).message },
              "ERP request failed; retrying",
            ),
        },
      );
    } catch (error) {
      throw error instanceof StopRetrying ? error.error : error;
    }
  }

  /** One request; retried when `retry` (the request must then be idempotent). */
  request(request: HttpRequest, retry = true): Promise<HttpAnswer> {
    return retry ? this.retrying(() => this.once(request)) : this.once(request);
  }

  private async once(request: HttpRequest): Promise<HttpAnswer> {
    await this.bucket?.take(this.ctx.signal);
    const started = this.ctx.clock.now().getTime();
    let response: AxiosResponse;
    try {
      response = await this.http.request({
        method: request.method,
        url: request.url,
        params: request.params,
        data: request.data,
        headers: request.headers,
        signal: this.ctx.signal,
        validateStatus: () => true,
      });
    } catch (error) {
      if (this.ctx.signal.aborted) throw this.ctx.signal.reason;
      // Only the code and message: the axios error holds the request config, headers included.
      const { code, message } = error as { code?: string; message?: string };
      throw new TransientError(
        `${this.system}: ${request.method} ${pathOf(request.url)} failed: ${code ?? message}`,
        {
          provider: { system: this.system, code, message },
        },
      );
    }
    const path = pathOf(request.url);
    this.ctx.log.debug(
      { method: request.method, path, status: response.status, ms: this.ctx.clock.now().getTime() - started },
      "ERP request",
    );
    const answer: HttpAnswer = {
      status: response.status,
      data: response.data,
      headers: Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
      ),
    };
    if ((answer.status >= 200 && answer.status < 300) || request.allow?.includes(answer.status))
      return answer;
    throw this.toError(request, answer);
  }

  /** Maps an HTTP failure to a core error with the ERP's words. */
  toError(request: HttpRequest, answer: HttpAnswer): ReguaError {
    const { code, message } = this.describeBody(answer.data);
    const provider = { system: this.system, status: answer.status, code, message };
    const text = `${this.system} answered HTTP ${answer.status} to ${request.method} ${pathOf(request.url)}${
      message ? `: ${message}` : ""
    }`;
    const status = answer.status;
    if (status === 401 || status === 403) return new AuthError(text, { provider });
    if (status === 404) return new NotFoundError(text, { provider });
    if (status === 429)
      return new RateLimitError(text, this.retryAfterMs(answer.headers["retry-after"]), { provider });
    if (status >= 500 || status === 408) return new TransientError(text, { provider });
    return new ValidationError(text, [], { provider });
  }

  private describeBody(body: unknown): { code: string | undefined; message: string | undefined } {
    const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
    const configured = this.options.errors;
    if (configured.message || configured.code) {
      return {
        code: configured.code ? text(getPath(body, configured.code)) : undefined,
        message: configured.message ? text(getPath(body, configured.message)) : undefined,
      };
    }
    const parsed = ErpErrorBody.safeParse(body);
    if (!parsed.success)
      return { code: undefined, message: typeof body === "string" ? body.slice(0, 300) : undefined };
    const b = parsed.data;
    const nested = typeof b.error === "object" ? b.error : undefined;
    return {
      code: text(nested?.code) ?? text(b.code),
      message:
        nested?.message ??
        (typeof b.error === "string" ? b.error : undefined) ??
        b.message ??
        b.errors?.[0]?.message,
    };
  }

  /** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3); absent: one second. */
  private retryAfterMs(header: string | undefined): number {
    if (!header) return 1000;
    if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
    const at = Date.parse(header);
    return Number.isFinite(at) ? Math.max(0, at - this.ctx.clock.now().getTime()) : 1000;
  }

  /** One page of a resource, from `position` (null: the first page), filtered by `since` when set. */
  async listPage(
    resource: ResourceOptions,
    position: PagePosition,
    since: string | null,
  ): Promise<{ records: ErpRecord[]; next: PagePosition }> {
    const paging = resource.paging;
    let url = resource.path;
    let params: Record<string, string | number> = { ...resource.query };
    if (since !== null && resource.since)
      params[resource.since.param] = formatSince(since, resource.since.format);
    switch (paging.style) {
      case "page":
        params[paging.pageParam] = position ?? paging.firstPage;
        params[paging.sizeParam] = paging.size;
        break;
      case "offset":
        params[paging.offsetParam] = position ?? 0;
        params[paging.limitParam] = paging.size;
        break;
      case "cursor":
      case "link":
        if (paging.sizeParam && paging.size) params[paging.sizeParam] = paging.size;
        if (position !== null && paging.style === "cursor") params[paging.param] = position;
        if (position !== null && paging.style === "link") {
          url = String(position); // the next link already carries every parameter
          params = {};
        }
        break;
      case "none":
        break;
    }
    const answer = await this.request({ method: "GET", url, params });
    const found = resource.list ? getPath(answer.data, resource.list) : answer.data;
    const list = ErpRecordList.safeParse(found);
    if (!list.success) {
      throw new ValidationError(
        `${this.system}: GET ${resource.path}: expected an array of records at ${resource.list ?? "the body's root"}`,
        [{ path: resource.list ?? "", message: "not an array of objects" }],
        { provider: { system: this.system, status: answer.status } },
      );
    }
    const records = list.data;
    return {
      records,
      next: records.length === 0 ? null : nextPosition(resource, position, records.length, answer),
    };
  }
}

export type { PagePosition };
