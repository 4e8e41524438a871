import {
  createHttpClient,
  type HttpClient,
  type KitRequest,
  type KitResponse,
  nextLink,
  type PageOf,
  paginate,
  type QueryParams,
  type Verdict,
} from "@regua/connector-kit";
import {
  AuthError,
  isReguaError,
  PermanentError,
  type PluginContext,
  type ReguaErrorCode,
} from "@regua/core";
import type { SapB1Options } from "./options.js";
import { AdminInfo, ErrorEnvelope, LoginAnswer } from "./schemas.js";

export const SYSTEM = "sap-b1";

/**
 * Service Layer error codes régua acts on (SAP Business One Service Layer user manual,
 * "Error Codes"; the same numbers in v1 and v2): 301 / -304 invalid or expired session, failed
 * login; -2028 no matching records; -1000 invalid property or query, -10 invalid value, -5002
 * invalid link or field value. Any other code leaves the class to the kit's status table.
 */
const KIND_BY_CODE: Record<string, ReguaErrorCode> = {
  "301": "AUTH",
  "-304": "AUTH",
  "-2028": "NOT_FOUND",
  "-1000": "VALIDATION",
  "-10": "VALIDATION",
  "-5002": "VALIDATION",
};
const SESSION_CODES = new Set(["301", "-304"]);
/** The Service Layer's default idle session timeout (b1s.conf SessionTimeout), when Login omits it. */
const DEFAULT_SESSION_MINUTES = 30;

/**
 * The kit's vendor hook: SAP's error envelope, v1 `{"error":{"code":-304,"message":{"lang","value"}}}`
 * or v2 `{"error":{"code":"-304","message":"…"}}`, read into SAP's code and words.
 */
export function classifyServiceLayer(response: KitResponse): Verdict | undefined {
  if (response.status < 400) return undefined;
  const envelope = ErrorEnvelope.safeParse(response.data);
  if (!envelope.success) return undefined;
  const code = String(envelope.data.error.code);
  const said = envelope.data.error.message;
  const message = typeof said === "string" ? said : said.value;
  const kind = KIND_BY_CODE[code];
  return kind ? { kind, code, message } : { code, message };
}

/** OData wants spaces as %20 (axios would send "+", which the Service Layer does not decode). */
function serializeParams(params: QueryParams): string {
  return Object.entries(params)
    .filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");
}

/** A logged-in session: the cookies, the idle timeout the Login answered, when it was last used. */
interface Session {
  cookies: string;
  timeoutMs: number;
  lastUsedMs: number;
}

/** Renew this long before the idle timeout: clocks differ and a request takes time to arrive. */
export function renewalMarginMs(timeoutMs: number): number {
  return Math.min(60_000, timeoutMs / 5);
}

/**
 * The Service Layer on the connector kit (retries, Retry-After, status → error table, paging):
 * this class adds only the session — Login (B1SESSION + ROUTEID cookies, one login at a time),
 * renewed before the idle timeout the Login answered (`SessionTimeout`, minutes) runs out, with a
 * re-login and one retry as the fallback when the server dropped the session anyway (restart,
 * timeout changed), and Logout on close. Never logs the password or the cookies.
 */
export class ServiceLayerClient implements HttpClient {
  readonly system = SYSTEM;
  readonly baseURL: string;
  private readonly http: HttpClient;
  private current: Session | null = null;
  private login: Promise<Session> | null = null;

  constructor(
    private readonly options: SapB1Options,
    private readonly ctx: PluginContext,
  ) {
    this.baseURL = `${options.baseUrl}/b1s/${options.version}/`;
    this.http = createHttpClient(
      {
        system: SYSTEM,
        baseURL: this.baseURL,
        headers: { Accept: "application/json" },
        timeouts: { requestMs: options.timeoutMs },
        tls: { rejectUnauthorized: options.tls.rejectUnauthorized },
        classify: classifyServiceLayer,
      },
      ctx,
    );
  }

  /** Sends a request with the session, logging in first or again when needed. */
  async request<T = unknown>(request: KitRequest): Promise<KitResponse<T>> {
    const session = await this.session();
    try {
      return await this.send<T>(request, session);
    } catch (error) {
      if (!isSessionError(error)) throw error;
      // The server dropped the session before its timeout (restart): log in again once, then retry.
      this.dropSession(session);
      this.ctx.log.info({ event: "sap-b1.relogin" }, "Service Layer session expired; logging in again");
      return await this.send<T>(request, await this.session());
    }
  }

  /** The body of one GET. */
  async get(path: string, params?: QueryParams): Promise<unknown> {
    return (await this.request({ method: "GET", url: path, ...(params ? { params } : {}) })).data;
  }

  /**
   * A collection page by page: asked with `Prefer: odata.maxpagesize`, then every next link the
   * server returns (`@odata.nextLink` v2, `odata.nextLink` v1), kept relative to the version's
   * root so a cursor can hold it. `resumeAt` is a next link from a cursor.
   */
  pages(path: string, params: QueryParams, resumeAt: string | null = null): AsyncIterable<PageOf<string>> {
    const base: KitRequest = {
      method: "GET",
      url: path,
      params,
      headers: { Prefer: `odata.maxpagesize=${this.options.pageSize}` },
    };
    return paginate(this, base, nextLink({ resolve: (link) => this.relativeLink(link) }), {
      resume: resumeAt,
      select: (response) => (response.data as { value?: unknown } | null)?.value,
    });
  }

  /**
   * The company's local currency code (AdminInfo.LocalCurrency). CompanyService_GetAdminInfo is
   * a FunctionImport with m:HttpMethod="POST" in SAPB1-v1.edmx and an OData v4 Function (GET)
   * in SAPB1-v2.edmx; it only reads, so the v1 POST may be repeated.
   */
  async localCurrency(): Promise<string> {
    const v1 = this.options.version === "v1";
    const answer = await this.request(
      v1
        ? { method: "POST", url: "CompanyService_GetAdminInfo", data: {}, idempotent: true }
        : { method: "GET", url: "CompanyService_GetAdminInfo" },
    );
    const info = AdminInfo.safeParse(answer.data);
    if (!info.success) {
      throw new PermanentError(
        "CompanyService_GetAdminInfo answered without LocalCurrency; set options.localCurrency",
        { provider: { system: SYSTEM } },
      );
    }
    return info.data.LocalCurrency;
  }

  /** Next links come relative ("Invoices?$skip=20"), absolute-path or absolute; keep them relative. */
  relativeLink(link: string): string {
    const root = `/b1s/${this.options.version}/`;
    const path = /^https?:/i.test(link) ? link.slice(new URL(link).origin.length) : link;
    return path.startsWith(root) ? path.slice(root.length) : path.replace(/^\//, "");
  }

  async close(): Promise<void> {
    const session = this.current;
    this.current = null;
    if (!session) return;
    // POST /Logout ends the session on the server so it does not hold a license until timeout.
    await this.send({ method: "POST", url: "Logout", retry: false }, session).catch((error: unknown) => {
      this.ctx.log.warn(
        { event: "sap-b1.logout_failed", error: isReguaError(error) ? error.describe() : String(error) },
        "Service Layer logout failed",
      );
    });
  }

  /** The current session, renewed when it is about to time out; one login in flight per instance. */
  private session(): Promise<Session> {
    const current = this.current;
    if (current && !this.isStale(current)) return Promise.resolve(current);
    if (current) {
      this.dropSession(current);
      this.ctx.log.info(
        { event: "sap-b1.session_renew", idleMs: this.now() - current.lastUsedMs },
        "Service Layer session about to time out; logging in again",
      );
    }
    this.login ??= this.doLogin().finally(() => {
      this.login = null;
    });
    return this.login;
  }

  /** The Service Layer's timeout is idle time: it restarts with every request the session makes. */
  private isStale(session: Session): boolean {
    return this.now() - session.lastUsedMs >= session.timeoutMs - renewalMarginMs(session.timeoutMs);
  }

  private now(): number {
    return this.ctx.clock.now().getTime();
  }

  private dropSession(used: Session): void {
    if (this.current === used) this.current = null;
  }

  // POST /b1s/{v}/Login {CompanyDB, UserName, Password} → {SessionId, SessionTimeout (minutes)}
  // and Set-Cookie B1SESSION, ROUTEID (Service Layer user manual, "Login and Logout"; EDMX
  // ActionImport Login).
  private async doLogin(): Promise<Session> {
    const { companyDb, user, password } = this.options;
    const response = await this.http.request({
      method: "POST",
      url: "Login",
      data: { CompanyDB: companyDb, UserName: user, Password: password },
    });
    const answer = LoginAnswer.safeParse(response.data);
    const cookies = response.setCookie
      .map((line) => line.split(";")[0]?.trim() ?? "")
      .filter((pair) => /^(B1SESSION|ROUTEID)=/.test(pair));
    if (!answer.success || !cookies.some((pair) => pair.startsWith("B1SESSION="))) {
      throw new AuthError("Service Layer login answered without a B1SESSION cookie", {
        provider: { system: SYSTEM },
      });
    }
    const answered = answer.data.SessionTimeout;
    const minutes = answered && answered > 0 ? answered : DEFAULT_SESSION_MINUTES;
    this.current = { cookies: cookies.join("; "), timeoutMs: minutes * 60_000, lastUsedMs: this.now() };
    this.ctx.log.info(
      { event: "sap-b1.login", companyDb, sessionTimeoutMinutes: minutes },
      "logged in to the Service Layer",
    );
    return this.current;
  }

  private send<T>(request: KitRequest, session: Session): Promise<KitResponse<T>> {
    session.lastUsedMs = this.now();
    return this.http.request<T>({
      ...request,
      ...(request.params ? { paramsSerializer: serializeParams } : {}),
      headers: { ...request.headers, Cookie: session.cookies },
    });
  }
}

function isSessionError(error: unknown): boolean {
  if (!isReguaError(error) || error.code !== "AUTH") return false;
  return error.provider?.status === 401 || SESSION_CODES.has(String(error.provider?.code));
}
