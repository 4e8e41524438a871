import {
  createHttpClient,
  cursor,
  type HttpClient,
  type KitRequest,
  type KitResponse,
  linkHeader,
  nextLink,
  offsetLimit,
  type PageStrategy,
  pageNumber,
  type Verdict,
} from "@regua/connector-kit";
import type { PluginContext } from "@regua/core";
import { getPath } from "./map.js";
import type { RestAuth, RestConnectorOptions, RestPaging } from "./options.js";
import { ErpErrorBody } from "./schemas.js";

export type { HttpClient, KitRequest, KitResponse };

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
 * The ERP's HTTP client: @regua/connector-kit's, configured from the options (auth headers,
 * timeout, TLS, retry caps, rate limit). The connector adds only where its ERP puts the error's
 * code and message; the status table, retries and Retry-After are the kit's.
 */
export function createRestClient(options: RestConnectorOptions, ctx: PluginContext): HttpClient {
  const { attempts, baseMs, maxMs, maxRetryAfterMs } = options.retry;
  return createHttpClient(
    {
      system: options.system ?? new URL(options.baseUrl).host,
      baseURL: options.baseUrl,
      headers: { Accept: "application/json", ...options.headers, ...authHeaders(options.auth) },
      timeouts: { requestMs: options.timeoutMs },
      tls: { rejectUnauthorized: options.rejectUnauthorized },
      retry: { attempts, baseMs, capMs: maxMs, maxRetryAfterMs },
      ...(options.rateLimit ? { limits: { perSecond: options.rateLimit.perSecond } } : {}),
      classify: (response) =>
        response.status >= 400 ? describeError(response.data, options.errors) : undefined,
    },
    ctx,
  );
}

/** The ERP's own code and message: from the configured paths, or the common error shapes. */
function describeError(body: unknown, configured: RestConnectorOptions["errors"]): Verdict {
  const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : undefined);
  if (configured.message || configured.code) {
    return {
      code: configured.code ? text(getPath(body, configured.code)) : undefined,
      message: configured.message ? text(getPath(body, configured.message)) : undefined,
    };
  }
  const parsed = ErpErrorBody.safeParse(body);
  if (!parsed.success) return { message: typeof body === "string" ? body.slice(0, 300) : undefined };
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

/** A listing without paging: one request. */
const single: PageStrategy<string | number> = { request: () => ({}), next: () => null };

/** The configured paging style as the kit's strategy. */
export function pagingStrategy(paging: RestPaging): PageStrategy<string | number> {
  const fromBody = (path: string) => (response: KitResponse) => getPath(response.data, path);
  const size =
    "sizeParam" in paging && paging.sizeParam ? { sizeParam: paging.sizeParam, size: paging.size } : {};
  switch (paging.style) {
    case "page":
      return pageNumber({
        param: paging.pageParam,
        sizeParam: paging.sizeParam,
        size: paging.size,
        first: paging.firstPage,
        ...(paging.nextPage ? { more: fromBody(paging.nextPage) } : {}),
      });
    case "offset":
      return offsetLimit({
        offsetParam: paging.offsetParam,
        limitParam: paging.limitParam,
        size: paging.size,
      });
    case "cursor":
      return cursor({ param: paging.param, select: fromBody(paging.next), ...size });
    case "link":
      return paging.next ? nextLink({ select: fromBody(paging.next), ...size }) : linkHeader(size);
    case "none":
      return single;
  }
}
