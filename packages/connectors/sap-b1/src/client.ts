import {
  AuthError,
  isReguaError,
  NotFoundError,
  PermanentError,
  type PluginContext,
  RateLimitError,
  type ReguaError,
  TransientError,
  ValidationError,
  withRetry,
} from "@regua/core";
import type { AxiosInstance, AxiosResponse } from "axios";
import type { SapB1Options } from "./options.js";
import { AdminInfo, ErrorEnvelope, LoginAnswer } from "./schemas.js";

const SYSTEM = "sap-b1";

/**
 * Service Layer error codes régua acts on (SAP Business One Service Layer user manual,
 * "Error Codes"; the same numbers in v1 and v2):
 * 301 / -304 invalid or expired session, failed login; -2028 no matching records;
 * -1000 invalid property or query, -10 invalid value, -5002 invalid link or field value.
 */
const SESSION_CODES = new Set(["301", "-304"]);
const NOT_FOUND_CODES = new Set(["-2028"]);
const VALIDATION_CODES = new Set(["-1000", "-10", "-5002"]);
/** The Service Layer's default idle session timeout (b1s.conf SessionTimeout), when Login omits it. */
const DEFAULT_SESSION_MINUTES = 30;

export interface SlRequest {
  method: "GET" | "POST" | "PATCH";
  /** Relative to /b1s/{version}/, e.g. "Invoices" or a nextLink. */
  path: string;
  params?: Record<string, string>;
  data?: unknown;
  headers?: Record<string, string>;
  /** GETs are idempotent and retried on transient failures; writes are not. */
  retry?: boolean;
}

export interface SlPage {
  rows: unknown[];
  nextLink: string | null;
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
 * Talks to the Service Layer: session login (B1SESSION + ROUTEID cookies, one login at a time),
 * renewed before the idle timeout the Login answered (`SessionTimeout`, minutes; 30 by default)
 * runs out, with a transparent re-login and one retry as the fallback when the server dropped
 * the session anyway (restart, timeout changed); paging with `Prefer: odata.maxpagesize` and the
 * next link, and errors turned into régua's classes with SAP's code and text. Never logs the
 * password or the cookies.
 */
export class ServiceLayerClient {
  private readonly http: AxiosInstance;
  private current: Session | null = null;
  private login: Promise<Session> | null = null;

  constructor(
    private readonly options: SapB1Options,
    private readonly ctx: PluginContext,
  ) {
    this.http = ctx.http<AxiosInstance>({
      baseURL: `${options.baseUrl}/b1s/${options.version}/`,
      timeoutMs: options.timeoutMs,
      rejectUnauthorized: options.tls.rejectUnauthorized,
      headers: { Accept: "application/json" },
    });
  }

  /** Sends a request with the session, logging in first or again when needed. */
  async request(request: SlRequest): Promise<unknown> {
    const attempt = async () => {
      const session = await this.session();
      try {
        return await this.send(request, session);
      } catch (error) {
        if (!isSessionError(error)) throw error;
        // The server dropped the session before its timeout (restart): log in again once, then retry.
        this.dropSession(session);
        this.ctx.log.info({ event: "sap-b1.relogin" }, "Service Layer session expired; logging in again");
        return await this.send(request, await this.session());
      }
    };
    if (request.retry === false) return attempt();
    return withRetry(attempt, {
      attempts: 3,
      baseMs: 250,
      maxMs: 4_000,
      clock: this.ctx.clock,
      signal: this.ctx.signal,
      onRetry: (error, n, delayMs) =>
        this.ctx.log.warn({ event: "sap-b1.retry", attempt: n, delayMs, error: describe(error) }, "retrying"),
    });
  }

  /** One page of a collection: the first request, or a next link the previous page returned. */
  async page(pathOrNextLink: string, params?: Record<string, string>): Promise<SlPage> {
    const body = await this.request({
      method: "GET",
      path: pathOrNextLink,
      ...(params ? { params } : {}),
      headers: { Prefer: `odata.maxpagesize=${this.options.pageSize}` },
    });
    // The envelope is checked by hand, not with zod: a schema would copy the page's row array.
    const envelope = (typeof body === "object" && body !== null ? body : {}) as Record<string, unknown>;
    const rows = envelope.value;
    const next = envelope["@odata.nextLink"] ?? envelope["odata.nextLink"] ?? null;
    if (!Array.isArray(rows) || (next !== null && typeof next !== "string")) {
      throw new PermanentError(`Service Layer answered ${pathOrNextLink} without a "value" array`, {
        provider: { system: SYSTEM },
      });
    }
    return { rows, nextLink: next ? this.relativeLink(next) : null };
  }

  /**
   * The company's local currency code (AdminInfo.LocalCurrency). CompanyService_GetAdminInfo is
   * a FunctionImport with m:HttpMethod="POST" in SAPB1-v1.edmx and an OData v4 Function (GET)
   * in SAPB1-v2.edmx.
   */
  async localCurrency(): Promise<string> {
    const answer = await this.request({
      method: this.options.version === "v1" ? "POST" : "GET",
      path: "CompanyService_GetAdminInfo",
      ...(this.options.version === "v1" ? { data: {} } : {}),
    });
    const info = AdminInfo.safeParse(answer);
    if (!info.success) {
      throw new PermanentError(
        "CompanyService_GetAdminInfo answered without LocalCurrency; set options.localCurrency",
        {
          provider: { system: SYSTEM },
        },
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
    await this.send({ method: "POST", path: "Logout" }, session).catch((error: unknown) => {
      this.ctx.log.warn(
        { event: "sap-b1.logout_failed", error: describe(error) },
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
    if (!this.login) {
      this.login = this.doLogin().finally(() => {
        this.login = null;
      });
    }
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
    const response = await this.raw({
      method: "POST",
      path: "Login",
      data: {
        CompanyDB: this.options.companyDb,
        UserName: this.options.user,
        Password: this.options.password,
      },
    });
    if (response.status !== 200) throw toError(response, "Login");
    const answer = LoginAnswer.safeParse(response.data);
    const setCookie = response.headers["set-cookie"];
    const cookies = (Array.isArray(setCookie) ? setCookie : setCookie ? [String(setCookie)] : [])
      .map((c) => c.split(";")[0]?.trim() ?? "")
      .filter((c) => /^(B1SESSION|ROUTEID)=/.test(c));
    if (!answer.success || !cookies.some((c) => c.startsWith("B1SESSION="))) {
      throw new AuthError("Service Layer login answered without a B1SESSION cookie", {
        provider: { system: SYSTEM },
      });
    }
    const answered = answer.data.SessionTimeout;
    const minutes = answered && answered > 0 ? answered : DEFAULT_SESSION_MINUTES;
    this.current = { cookies: cookies.join("; "), timeoutMs: minutes * 60_000, lastUsedMs: this.now() };
    this.ctx.log.info(
      { event: "sap-b1.login", companyDb: this.options.companyDb, sessionTimeoutMinutes: minutes },
      "logged in to the Service Layer",
    );
    return this.current;
  }

  private async send(request: SlRequest, session: Session): Promise<unknown> {
    session.lastUsedMs = this.now();
    const response = await this.raw(request, session.cookies);
    if (response.status >= 200 && response.status < 300) return response.data;
    throw toError(response, `${request.method} ${request.path.split("?")[0]}`);
  }

  private async raw(request: SlRequest, cookies?: string): Promise<AxiosResponse> {
    try {
      return await this.http.request({
        method: request.method,
        url: request.path,
        ...(request.params ? { params: request.params, paramsSerializer: serializeParams } : {}),
        ...(request.data === undefined ? {} : { data: request.data }),
        headers: { ...request.headers, ...(cookies ? { Cookie: cookies } : {}) },
        validateStatus: () => true,
        signal: this.ctx.signal,
      });
    } catch (error) {
      if (isReguaError(error)) throw error;
      throw new TransientError(`Service Layer unreachable: ${(error as Error).message}`, {
        provider: { system: SYSTEM },
        cause: error,
      });
    }
  }
}

/** OData wants spaces as %20 (axios would send "+", which the Service Layer does not decode). */
function serializeParams(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join("&");
}

function isSessionError(error: unknown): boolean {
  if (!isReguaError(error) || error.code !== "AUTH") return false;
  return error.provider?.status === 401 || SESSION_CODES.has(String(error.provider?.code));
}

/** Maps an HTTP answer to the error class the engine acts on, keeping SAP's code and text. */
export function toError(response: AxiosResponse, what: string): ReguaError {
  const envelope = ErrorEnvelope.safeParse(response.data);
  const code = envelope.success ? String(envelope.data.error.code) : undefined;
  const raw = envelope.success ? envelope.data.error.message : undefined;
  const message = typeof raw === "string" ? raw : raw?.value;
  const provider = { system: SYSTEM, code, message, status: response.status };
  const text = `${what}: ${message ?? `HTTP ${response.status}`}`;
  if (response.status === 401 || (code && SESSION_CODES.has(code))) return new AuthError(text, { provider });
  if (response.status === 404 || (code && NOT_FOUND_CODES.has(code)))
    return new NotFoundError(text, { provider });
  if (response.status === 429) {
    const seconds = Number(response.headers["retry-after"] ?? 1);
    return new RateLimitError(text, (Number.isFinite(seconds) ? seconds : 1) * 1000, { provider });
  }
  if (response.status >= 500) return new TransientError(text, { provider });
  if (response.status === 400 || (code && VALIDATION_CODES.has(code))) {
    return new ValidationError(text, [], { provider });
  }
  return new PermanentError(text, { provider });
}

function describe(error: unknown): string {
  return isReguaError(error) ? error.describe() : String(error);
}
