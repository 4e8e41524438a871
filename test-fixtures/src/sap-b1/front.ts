import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ENTITY_SETS, type EntitySetName } from "./csn.js";
import {
  activityPropertyFor,
  fromWireDates,
  parseCookies,
  renameWord,
  SL_CODES,
  type SlVersion,
  sendError,
  sendJson,
  toWireRow,
  v1QueryToV4,
} from "./wire.js";

/**
 * The part of the Service Layer CAP does not do, in front of CAP's OData service:
 * Login/Logout with B1SESSION and ROUTEID cookies and an idle session timeout, server-driven
 * paging (`Prefer: odata.maxpagesize`, default 20, `@odata.nextLink` / `odata.nextLink`),
 * the error envelope with SAP's codes, and the v1 payload differences (wire.ts).
 * Entity data is read and written by CAP; this file only translates.
 */
export interface FrontOptions {
  capUrl: string;
  user: string;
  password: string;
  companyDb: string;
  sessionTimeoutMs: number;
  pageSize: number;
  /** The activity-kind property in the metadata CAP serves. */
  modelActivityName: string;
  rejectDocumentLinks: boolean;
  nextActivityCode(): number;
  /** AdminInfo.LocalCurrency, as the company's currency table writes it ("R$"). */
  localCurrency: string;
  /** Milliseconds since the epoch; sessions time out by this clock. */
  now(): number;
}

export interface InjectedFault {
  status: number;
  code: number;
  message: string;
  /** Only a request with this method (and path prefix) takes the fault; default any. */
  method?: string;
  path?: string;
}

const ROUTE_ID = ".node1";
const KEYS: Record<EntitySetName, string> = {
  BusinessPartners: "CardCode",
  Invoices: "DocEntry",
  CreditNotes: "DocEntry",
  IncomingPayments: "DocEntry",
  Activities: "ActivityCode",
};

export class ServiceLayerFront {
  readonly sessions = new Map<string, { lastUsedMs: number }>();
  readonly requests: { method: string; path: string; version: SlVersion }[] = [];
  readonly faults: InjectedFault[] = [];
  logins = 0;
  logouts = 0;
  /** Requests refused for want of a live session (401, code 301). */
  unauthorized = 0;

  constructor(private readonly options: FrontOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const match = /^\/b1s\/(v1|v2)\/(.*)$/.exec(url.pathname);
    if (!match) return sendJson(res, 404, { error: "not a Service Layer path" });
    const version = match[1] as SlVersion;
    const resource = decodeURIComponent(match[2] as string);
    this.requests.push({ method: req.method ?? "GET", path: `${resource}${url.search}`, version });
    const body = await readBody(req);
    if (resource === "Login" && req.method === "POST") return this.login(res, version, body);
    const session = this.checkSession(req);
    if (!session) {
      this.unauthorized++;
      return sendError(
        res,
        version,
        401,
        SL_CODES.invalidSession,
        "Invalid session or session already timeout.",
      );
    }
    if (resource === "Logout" && req.method === "POST") {
      this.sessions.delete(session);
      this.logouts++;
      return sendJson(res, 204, undefined);
    }
    if (resource === "CompanyService_GetAdminInfo") return this.adminInfo(res, version, req.method ?? "GET");
    const faultAt = this.faults.findIndex(
      (f) => (!f.method || f.method === req.method) && (!f.path || resource.startsWith(f.path)),
    );
    const fault = faultAt >= 0 ? this.faults.splice(faultAt, 1)[0] : undefined;
    if (fault) return sendError(res, version, fault.status, fault.code, fault.message);
    const target = /^(\w+)(?:\((.+)\))?$/.exec(resource);
    const set = target?.[1] as EntitySetName | undefined;
    if (!target || !set || !(set in ENTITY_SETS)) {
      return sendError(
        res,
        version,
        404,
        SL_CODES.invalidProperty,
        `Resource not found for the segment '${resource}'.`,
      );
    }
    if (req.method === "GET")
      return this.read(res, version, set, target[2], url.searchParams, String(req.headers.prefer ?? ""));
    if (req.method === "POST" && set === "Activities" && !target[2])
      return this.createActivity(res, version, body);
    return sendError(
      res,
      version,
      405,
      SL_CODES.invalidProperty,
      `${req.method} ${set} is not supported by this fake.`,
    );
  }

  /**
   * CompanyService_GetAdminInfo: a FunctionImport with m:HttpMethod="POST" in SAPB1-v1.edmx,
   * an OData v4 Function (GET) in SAPB1-v2.edmx; answers ComplexType AdminInfo.
   */
  private adminInfo(res: ServerResponse, version: SlVersion, method: string): void {
    if (method !== (version === "v1" ? "POST" : "GET")) {
      sendError(res, version, 405, SL_CODES.invalidProperty, `${method} is not allowed on this function.`);
      return;
    }
    const context =
      version === "v1"
        ? { "odata.metadata": "$metadata#SAPB1.AdminInfo" }
        : { "@odata.context": "$metadata#SAPB1.AdminInfo" };
    sendJson(res, 200, {
      ...context,
      Code: 1,
      CompanyName: this.options.companyDb,
      Country: "BR",
      LocalCurrency: this.options.localCurrency,
      SystemCurrency: this.options.localCurrency,
    });
  }

  private login(res: ServerResponse, version: SlVersion, body: string): void {
    const creds = safeJson(body) as { CompanyDB?: unknown; UserName?: unknown; Password?: unknown } | null;
    const o = this.options;
    if (
      !creds ||
      creds.CompanyDB !== o.companyDb ||
      creds.UserName !== o.user ||
      creds.Password !== o.password
    ) {
      sendError(res, version, 401, SL_CODES.loginFailed, "Invalid login credential.");
      return;
    }
    const id = randomUUID();
    this.sessions.set(id, { lastUsedMs: o.now() });
    this.logins++;
    const context =
      version === "v1"
        ? { "odata.metadata": "$metadata#B1Sessions/@Element" }
        : { "@odata.context": "$metadata#B1Sessions/$entity" };
    sendJson(
      res,
      200,
      {
        ...context,
        SessionId: id,
        Version: "1000230",
        SessionTimeout: Math.round(o.sessionTimeoutMs / 60_000),
      },
      { "set-cookie": [`B1SESSION=${id}; path=/b1s/${version}; HttpOnly`, `ROUTEID=${ROUTE_ID}; path=/b1s`] },
    );
  }

  /** Both cookies are needed: a load balancer sends a request without ROUTEID to any node. */
  private checkSession(req: IncomingMessage): string | null {
    const cookies = parseCookies(req.headers.cookie);
    const id = cookies.B1SESSION;
    const session = id ? this.sessions.get(id) : undefined;
    if (!id || !session || cookies.ROUTEID !== ROUTE_ID) return null;
    // An idle timeout: every request the session makes restarts it.
    const now = this.options.now();
    if (now - session.lastUsedMs > this.options.sessionTimeoutMs) {
      this.sessions.delete(id);
      return null;
    }
    session.lastUsedMs = now;
    return id;
  }

  private async read(
    res: ServerResponse,
    version: SlVersion,
    set: EntitySetName,
    key: string | undefined,
    params: URLSearchParams,
    prefer: string | undefined,
  ): Promise<void> {
    const query = new URLSearchParams();
    for (const [name, value] of params) query.set(name, this.toCapQuery(version, value));
    if (key !== undefined) {
      const cap = await this.cap("GET", `${set}(${key})?${queryString(query)}`);
      if (cap.status !== 200) return this.capError(res, version, cap, `${set}(${key})`);
      const row = toWireRow(cap.body as Record<string, unknown>, version, this.options.modelActivityName);
      return sendJson(res, 200, { ...metadataLink(version, `${set}/@Element`, `${set}/$entity`), ...row });
    }
    // Server-driven paging: the Service Layer pages at 20 unless Prefer: odata.maxpagesize says otherwise.
    const preferred = /odata\.maxpagesize=(\d+)/.exec(prefer ?? "")?.[1];
    const pageSize = preferred ? Number(preferred) : this.options.pageSize;
    const skip = Number(params.get("$skip") ?? 0);
    const top = params.has("$top") ? Number(params.get("$top")) : Number.POSITIVE_INFINITY;
    const take = Math.min(pageSize, top);
    query.set("$skip", String(skip));
    query.set("$top", String(take + 1));
    if (!query.has("$orderby")) query.set("$orderby", KEYS[set]);
    const cap = await this.cap("GET", `${set}?${queryString(query)}`);
    if (cap.status !== 200) return this.capError(res, version, cap, set);
    const rows = (cap.body as { value: Record<string, unknown>[] }).value;
    const more = rows.length > take && top > take;
    const value = rows.slice(0, take).map((row) => toWireRow(row, version, this.options.modelActivityName));
    const payload: Record<string, unknown> = { ...metadataLink(version, set, set), value };
    if (more) {
      const next = new URLSearchParams(params);
      next.set("$skip", String(skip + take));
      if (Number.isFinite(top)) next.set("$top", String(top - take));
      payload[version === "v1" ? "odata.nextLink" : "@odata.nextLink"] = `${set}?${queryString(next)}`;
    }
    sendJson(res, 200, payload, preferred ? { "preference-applied": `odata.maxpagesize=${pageSize}` } : {});
  }

  private toCapQuery(version: SlVersion, value: string): string {
    const v4 = version === "v1" ? v1QueryToV4(value) : value;
    return renameWord(v4, activityPropertyFor(version), this.options.modelActivityName);
  }

  // POST /Activities — SAP Business One Service Layer API reference, ActivitiesService.
  private async createActivity(res: ServerResponse, version: SlVersion, text: string): Promise<void> {
    const body = safeJson(text) as Record<string, unknown> | null;
    if (!body || typeof body !== "object")
      return sendError(res, version, 400, SL_CODES.invalidProperty, "Invalid JSON body.");
    const own = activityPropertyFor(version);
    const other = own === "Activity" ? "ActivityProperty" : "Activity";
    if (other in body) {
      return sendError(
        res,
        version,
        400,
        SL_CODES.invalidProperty,
        `Property '${other}' of 'Activity' is invalid`,
      );
    }
    const cardCode = typeof body.CardCode === "string" ? body.CardCode : "";
    const partner = await this.cap("GET", `BusinessPartners('${cardCode.replace(/'/g, "''")}')`);
    if (partner.status !== 200) {
      return sendError(res, version, 400, SL_CODES.invalidValue, `Invalid BP code '${cardCode}'`);
    }
    if (body.DocEntry !== undefined && body.DocEntry !== null && body.DocEntry !== "") {
      const problem = await this.checkDocumentLink(body, cardCode);
      if (problem) return sendError(res, version, 400, SL_CODES.invalidLink, problem);
    }
    const row: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(body)) row[k === own ? this.options.modelActivityName : k] = v;
    row.ActivityCode = this.options.nextActivityCode();
    const cap = await this.cap("POST", "Activities", fromWireDates(row));
    if (cap.status !== 201) return this.capError(res, version, cap, "Activities");
    const created = toWireRow(cap.body as Record<string, unknown>, version, this.options.modelActivityName);
    sendJson(res, 201, { ...metadataLink(version, "Activities/@Element", "Activities/$entity"), ...created });
  }

  private async checkDocumentLink(body: Record<string, unknown>, cardCode: string): Promise<string | null> {
    if (this.options.rejectDocumentLinks) return "Linked document cannot be assigned to this activity";
    if (body.DocType !== "13") return null;
    const invoice = await this.cap("GET", `Invoices(${Number(body.DocEntry)})?$select=CardCode`);
    if (invoice.status !== 200) return `Linked document ${String(body.DocEntry)} does not exist`;
    if ((invoice.body as { CardCode?: string }).CardCode !== cardCode)
      return "Linked document belongs to another business partner";
    return null;
  }

  private capError(res: ServerResponse, version: SlVersion, cap: CapAnswer, what: string): void {
    const message =
      (cap.body as { error?: { message?: string } } | null)?.error?.message ?? `HTTP ${cap.status}`;
    if (cap.status === 404)
      sendError(res, version, 404, SL_CODES.notFound, "No matching records found (ODBC -2028)");
    else if (cap.status === 400)
      sendError(res, version, 400, SL_CODES.invalidProperty, `${what}: ${message}`);
    else sendError(res, version, 500, SL_CODES.internal, `${what}: ${message}`);
  }

  /** CAP's OData service, over 127.0.0.1. */
  async cap(method: string, path: string, body?: unknown): Promise<CapAnswer> {
    const response = await fetch(`${this.options.capUrl}/${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? safeJson(text) : null };
  }
}

export interface CapAnswer {
  status: number;
  body: unknown;
}

/** OData wants %20, not URLSearchParams' "+", for spaces. */
function queryString(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => `${encodeURIComponent(k).replace(/%24/g, "$")}=${encodeURIComponent(v)}`)
    .join("&");
}

function metadataLink(version: SlVersion, v1: string, v2: string): Record<string, string> {
  return version === "v1" ? { "odata.metadata": `$metadata#${v1}` } : { "@odata.context": `$metadata#${v2}` };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
