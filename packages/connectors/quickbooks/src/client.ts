import {
  createHttpClient,
  type HttpClient,
  type KitRequest,
  type KitResponse,
  type QueryParams,
  type Verdict,
} from "@regua/connector-kit";
import { isReguaError, type PluginContext, type ReguaErrorCode, ValidationError } from "@regua/core";
import { TokenKeeper } from "./auth.js";
import { apiBase, type QuickBooksOptions } from "./options.js";
import { CdcEnvelope, FaultEnvelope, LowercaseFaultEnvelope, QueryEnvelope } from "./schemas.js";

export const SYSTEM = "quickbooks";

/**
 * Intuit error codes régua acts on (developer.intuit.com → Develop → Troubleshooting → Error
 * codes): 3200 AuthenticationFailed, 3100 ApplicationAuthorizationFailed, 610 Object Not Found
 * (answered with 400), 5010 Stale Object Error (a SyncToken conflict), 4000 query parse error,
 * 3001 ThrottleExceeded (429). Other codes keep the status table's class with Intuit's words.
 */
const KIND_BY_CODE: Record<string, ReguaErrorCode> = {
  "3200": "AUTH",
  "3100": "AUTH",
  "610": "NOT_FOUND",
  "5010": "VALIDATION",
  "4000": "VALIDATION",
  "3001": "RATE_LIMIT",
};
/**
 * The pace as a share of the realm's per-minute limit: 480 of 500 a minute, 8 a second, so ten
 * requests in a row span 1.125 s and the service's one-second window (10) sees at most 9 even
 * when some reach it up to 125 ms late or early (network, a busy event loop on either side).
 */
export const PACE = 0.96;
/**
 * Added to Intuit's one-second and one-minute windows when régua counts its own requests as
 * they leave: 10 per 1.25 s at most, whatever bunched them.
 */
const WINDOW_MARGIN_MS = 250;
/**
 * Requests régua keeps in flight under the realm's concurrency limit: QuickBooks frees a slot
 * only after its answer is sent, so a client that sends again as soon as an answer arrives can
 * find the slot still taken; two slots to spare (8 of 10) cover that race.
 */
export const inFlight = (concurrency: number): number => Math.max(1, concurrency - 2);
/** "Wait 60 seconds before retrying" on 429: QuickBooks sends no Retry-After. */
export const THROTTLE_WAIT_MS = 60_000;

/**
 * The kit's vendor hook: the `Fault` envelope or the lowercase `fault` form, read into Intuit's
 * code and words, with the `intuit_tid` header support asks for.
 */
export function classifyIntuit(response: KitResponse): Verdict | undefined {
  if (response.status < 400) return undefined;
  const tid = response.headers.intuit_tid;
  const throttled = response.status === 429 ? { retryAfterMs: THROTTLE_WAIT_MS } : {};
  const first = firstFaultError(response.data);
  if (!first)
    return tid || throttled.retryAfterMs
      ? { message: tid ? `intuit_tid ${tid}` : undefined, ...throttled }
      : undefined;
  const code = first.code === undefined || first.code === null ? undefined : String(first.code);
  const words = [first.message, first.detail].filter(Boolean).join(": ");
  const message = tid ? `${words} (intuit_tid ${tid})` : words;
  const kind = code ? KIND_BY_CODE[code] : undefined;
  return { ...(kind ? { kind } : {}), code, message, ...throttled };
}

/** The first error of either Fault shape, with Intuit's field names lower-cased. */
function firstFaultError(data: unknown) {
  const upper = FaultEnvelope.safeParse(data);
  if (upper.success) {
    const [e] = upper.data.Fault.Error;
    return { code: e?.code, message: e?.Message, detail: e?.Detail };
  }
  const lower = LowercaseFaultEnvelope.safeParse(data);
  if (!lower.success) return null;
  const [e] = lower.data.fault.error;
  return { code: e?.code, message: e?.message, detail: e?.detail };
}

/** Spaces as %20, as Intuit's samples send the query statement (axios would write "+"). */
function serializeParams(params: QueryParams): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");
}

/** The vendor code of a QuickBooks error ("5010"), or undefined. */
export function intuitCode(error: unknown): string | undefined {
  if (!isReguaError(error) || error.provider?.system !== SYSTEM) return undefined;
  return error.provider.code === undefined ? undefined : String(error.provider.code);
}

/**
 * The v3 API of one company on the connector kit (limits, retries, error table): this class adds
 * the bearer token (refreshed once on 401 and the request retried), `minorversion` on every
 * call, and the realm as the limiter's key.
 */
export class QuickBooksClient {
  readonly tokens: TokenKeeper;
  private readonly http: HttpClient;

  constructor(
    readonly options: QuickBooksOptions,
    private readonly ctx: PluginContext,
  ) {
    this.tokens = new TokenKeeper(options, ctx);
    const { perMinute, perSecond, concurrency } = options.limits;
    this.http = createHttpClient(
      {
        system: SYSTEM,
        baseURL: `${apiBase(options)}/v3/company/${options.realmId}/`,
        headers: { Accept: "application/json" },
        timeouts: { requestMs: options.timeoutMs },
        limits: {
          // 500 a minute and 10 a second per realm (Intuit, "Rate limits and throttles"): an even
          // pace under 500/60 a second, no burst (a bucket's burst is spent on top of the
          // pace, which the service counts against the same minute) ...
          perSecond: Math.min(PACE * (perMinute / 60), perSecond / (1 + WINDOW_MARGIN_MS / 1000)),
          burst: 1,
          concurrency: inFlight(concurrency),
          // ... and, as each request leaves, the service's own windows with a margin for the
          // network's jitter, so paced requests a stalled event loop or freed slots let go
          // together never reach QuickBooks as 11 in a second or 501 in a minute.
          windows: [
            { max: perSecond, ms: 1_000 + WINDOW_MARGIN_MS },
            { max: Math.max(1, Math.floor(perMinute)), ms: 60_000 + WINDOW_MARGIN_MS },
          ],
        },
        retry: { attempts: 3, maxRetryAfterMs: THROTTLE_WAIT_MS },
        classify: classifyIntuit,
      },
      ctx,
    );
  }

  /** Sends with the access token; on 401 gets a new one (once, shared) and sends again. */
  async request<T = unknown>(request: KitRequest): Promise<KitResponse<T>> {
    const token = await this.tokens.accessToken();
    try {
      return await this.send<T>(request, token);
    } catch (error) {
      if (!isReguaError(error) || error.code !== "AUTH" || error.provider?.status !== 401) throw error;
      this.ctx.log.info(
        { event: "quickbooks.unauthorized", realmId: this.options.realmId },
        "access token refused; refreshing",
      );
      return await this.send<T>(request, await this.tokens.replace(token));
    }
  }

  /** GET /query: one page of `select … startposition … maxresults …`, as the rows of `entity`. */
  async query(entity: string, statement: string): Promise<unknown[]> {
    const response = await this.request({ method: "GET", url: "query", params: { query: statement } });
    const envelope = QueryEnvelope.safeParse(response.data);
    if (!envelope.success) throw this.malformed("query", statement);
    const rows = (envelope.data.QueryResponse as Record<string, unknown>)[entity];
    return Array.isArray(rows) ? rows : [];
  }

  /**
   * GET /query of a `select count(*) …` statement: how many objects match (`totalCount`), or
   * null when the answer carries no count.
   */
  async count(statement: string): Promise<number | null> {
    const response = await this.request({ method: "GET", url: "query", params: { query: statement } });
    const envelope = QueryEnvelope.safeParse(response.data);
    if (!envelope.success) throw this.malformed("query", statement);
    return envelope.data.QueryResponse.totalCount ?? null;
  }

  /** GET /cdc?entities=…&changedSince=…: the changed objects of each entity, by entity name. */
  async cdc(entities: readonly string[], changedSince: string): Promise<Map<string, unknown[]>> {
    const response = await this.request({
      method: "GET",
      url: "cdc",
      params: { entities: entities.join(","), changedSince },
    });
    const envelope = CdcEnvelope.safeParse(response.data);
    if (!envelope.success) throw this.malformed("cdc", entities.join(","));
    const out = new Map<string, unknown[]>(entities.map((e) => [e, []]));
    for (const group of envelope.data.CDCResponse.flatMap((r) => r.QueryResponse)) {
      for (const entity of entities) {
        const rows = group[entity];
        if (Array.isArray(rows)) out.get(entity)?.push(...rows);
      }
    }
    return out;
  }

  /** GET /<entity>/<id>: the object, or null when QuickBooks does not have it (610 / 404). */
  async read(entity: string, id: string, params: Record<string, string> = {}): Promise<unknown | null> {
    try {
      const response = await this.request({
        method: "GET",
        url: `${entity.toLowerCase()}/${encodeURIComponent(id)}`,
        params,
      });
      return (response.data as Record<string, unknown> | null)?.[entity] ?? null;
    } catch (error) {
      if (isReguaError(error) && error.code === "NOT_FOUND") return null;
      throw error;
    }
  }

  /**
   * POST /<entity> (create, or sparse update with Id + SyncToken) with `requestid`: Intuit
   * answers a repeated requestid with the first answer, so the write may be retried.
   */
  async write(
    entity: string,
    body: unknown,
    requestId: string,
    operation?: string,
  ): Promise<Record<string, unknown>> {
    const response = await this.request({
      method: "POST",
      url: entity.toLowerCase(),
      params: { requestid: requestId, ...(operation ? { operation } : {}) },
      data: body,
      headers: { "Content-Type": "application/json" },
      idempotent: true,
    });
    const object = (response.data as Record<string, unknown> | null)?.[entity];
    if (!object || typeof object !== "object") throw this.malformed(entity, "write");
    return object as Record<string, unknown>;
  }

  /** GET /<entity>/<id>/pdf: the PDF QuickBooks renders (Accept: application/pdf). */
  async pdf(entity: string, id: string): Promise<Uint8Array | null> {
    try {
      const response = await this.request<ArrayBuffer>({
        method: "GET",
        url: `${entity.toLowerCase()}/${encodeURIComponent(id)}/pdf`,
        headers: { Accept: "application/pdf" },
        responseType: "arraybuffer",
      });
      return new Uint8Array(response.data);
    } catch (error) {
      if (isReguaError(error) && error.code === "NOT_FOUND") return null;
      throw error;
    }
  }

  private send<T>(request: KitRequest, token: string): Promise<KitResponse<T>> {
    return this.http.request<T>({
      ...request,
      params: { ...request.params, minorversion: this.options.minorVersion },
      paramsSerializer: serializeParams,
      headers: { ...request.headers, Authorization: `Bearer ${token}` },
      limitKey: this.options.realmId,
    });
  }

  private malformed(what: string, detail: string): ValidationError {
    return new ValidationError(
      `QuickBooks answered ${what} (${detail.slice(0, 120)}) in an unexpected shape`,
      [],
      {
        provider: { system: SYSTEM },
        where: `${this.ctx.instanceId} ${what}`,
      },
    );
  }
}
