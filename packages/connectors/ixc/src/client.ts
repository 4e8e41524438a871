import {
  createHttpClient,
  type HttpClient,
  type KitResponse,
  type PageOf,
  paginate,
  type Verdict,
} from "@regua/connector-kit";
import { fromZodError, type PluginContext, type ReguaErrorCode } from "@regua/core";
import type { IxcOptions } from "./options.js";
import { type GridFilter, type GridListing, type KeysetCursor, keysetStrategy } from "./pages.js";
import { GridAnswer, InsertAnswer, IxcErrorBody } from "./schemas.js";

export const SYSTEM = "ixc";

/**
 * IXC reports most refusals as HTTP 200 with `{type: "error", message}` and no code, so the
 * class is read from the message (Portuguese, as IXC writes it). Order matters: "Token de acesso
 * inválido" is an AUTH error even though it says "inválido".
 */
const KIND_BY_MESSAGE: readonly [RegExp, ReguaErrorCode][] = [
  [/token|autentica|não autorizado|nao autorizado|permiss|senha|login/i, "AUTH"],
  [/campo|par[âa]metro|inv[áa]lid|obrigat[óo]ri|operador/i, "VALIDATION"],
  [/n[ãa]o encontrad|n[ãa]o existe/i, "NOT_FOUND"],
];

/**
 * The kit's vendor hook. `{type: "error"}` fails whatever the status; an HTML page where JSON
 * was due (IXC's "Ocorreu um erro ao processar" page on a malformed request) fails as
 * PERMANENT; anything else is left to the kit's status table.
 */
export function classifyIxc(response: KitResponse): Verdict | undefined {
  const error = IxcErrorBody.safeParse(jsonOf(response.data));
  if (error.success) {
    const message = error.data.message || "(no message)";
    const kind = KIND_BY_MESSAGE.find(([pattern]) => pattern.test(message))?.[1] ?? "PERMANENT";
    return { kind, code: "error", message };
  }
  if (response.status < 400 && typeof response.data === "string" && /^\s*</.test(response.data)) {
    return { kind: "PERMANENT", code: "html", message: "answered an HTML page instead of JSON" };
  }
  return undefined;
}

/**
 * The IXC webservice (`https://<host>/webservice/v1/<table>`) on the connector kit: Basic auth
 * with `<user id>:<token>`, grid queries with the `ixcsoft: listar` header, inserts without it,
 * a client-side rate limit (IXC runs on the ISP's own server), retries and error mapping.
 */
export class IxcClient {
  readonly http: HttpClient;

  constructor(
    readonly options: IxcOptions,
    ctx: PluginContext,
  ) {
    const basic = Buffer.from(`${options.userId}:${options.token}`).toString("base64");
    this.http = createHttpClient(
      {
        system: SYSTEM,
        baseURL: `${options.baseUrl}/webservice/v1/`,
        headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/json" },
        timeouts: { requestMs: options.timeoutMs },
        tls: { rejectUnauthorized: options.tls.rejectUnauthorized },
        limits: { perSecond: options.requestsPerSecond },
        classify: classifyIxc,
      },
      ctx,
    );
  }

  /** One grid query (reads only, so it may be retried although it is a POST). */
  async listar(table: string, body: Record<string, string>): Promise<GridAnswer> {
    const response = await this.http.request({
      method: "POST",
      url: table,
      data: body,
      headers: { ixcsoft: "listar" },
      idempotent: true,
    });
    return parseGrid(table, response.data);
  }

  /** Rows matching `filters` on `table`, every page (lookups: a customer's receivables). */
  async listarAll(table: string, filters: readonly GridFilter[], sortname = "id"): Promise<unknown[]> {
    const rows: unknown[] = [];
    const [first, ...rest] = filters;
    for (let page = 1; ; page++) {
      const answer = await this.listar(table, {
        qtype: first ? first.TB : `${table}.id`,
        query: first ? first.P : "0",
        oper: first ? first.OP : ">",
        page: String(page),
        rp: String(this.options.pageSize),
        sortname: `${table}.${sortname}`,
        sortorder: "asc",
        ...(rest.length > 0 ? { grid_param: JSON.stringify(rest) } : {}),
      });
      rows.push(...answer.registros);
      if (answer.registros.length < this.options.pageSize) return rows;
    }
  }

  /** Keyset pages of a table, from `resume` or the start, through the kit's paginator. */
  pages(listing: GridListing, resume: KeysetCursor | null): AsyncIterable<PageOf<KeysetCursor>> {
    return paginate(
      this.http,
      { method: "POST", url: listing.table, headers: { ixcsoft: "listar" }, idempotent: true },
      keysetStrategy(listing),
      { resume, select: (response) => parseGrid(listing.table, response.data).registros },
    );
  }

  /**
   * Inserts a row (POST without the `ixcsoft` header). Not retried: a lost answer is found by the
   * caller's lookup before writing again.
   */
  async insert(table: string, row: Record<string, string>): Promise<string> {
    const response = await this.http.request({ method: "POST", url: table, data: row, retry: false });
    const answer = InsertAnswer.safeParse(response.data);
    if (!answer.success) throw fromZodError(answer.error, `ixc: answer to the ${table} insert`);
    return answer.data.id;
  }

  /** A POST to one of IXC's function endpoints (get_boleto, get_pix); reads, so retried. */
  async call(endpoint: string, body: Record<string, string>, responseType?: "text"): Promise<unknown> {
    const response = await this.http.request({
      method: "POST",
      url: endpoint,
      data: body,
      idempotent: true,
      ...(responseType ? { responseType } : {}),
    });
    return response.data;
  }
}

/** A body read as text (get_boleto answers base64, or a JSON error) parsed when it is JSON. */
function jsonOf(data: unknown): unknown {
  if (typeof data !== "string" || !data.trimStart().startsWith("{")) return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

function parseGrid(table: string, data: unknown): GridAnswer {
  const answer = GridAnswer.safeParse(data);
  if (!answer.success) throw fromZodError(answer.error, `ixc: ${table} grid answer`);
  return answer.data;
}
