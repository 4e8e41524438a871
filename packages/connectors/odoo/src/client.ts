import {
  createHttpClient,
  type HttpClient,
  type KitRequest,
  type KitResponse,
  type PageOf,
  type PageStrategy,
  paginate,
} from "@regua/connector-kit";
import type { PluginContext } from "@regua/core";
import { classifyJson2, SYSTEM, withAuthHint } from "./errors.js";
import { Json2Protocol } from "./json2.js";
import type { OdooOptions } from "./options.js";
import type { Protocol, RpcCall } from "./protocol.js";
import { CommonVersion, WebVersion } from "./schemas.js";
import { XmlRpcProtocol } from "./xmlrpc.js";

export interface ServerInfo {
  protocol: "xmlrpc" | "json2";
  /** "17.0", "saas~18.3", "19.0"; null when the server did not say. */
  version: string | null;
}

/** JSON-2 exists from Odoo 19 on; XML-RPC is deprecated there and removed in Odoo 22. */
const JSON2_SINCE = 19;

/**
 * Odoo over the connector kit: one HTTP client (keep-alive, retries of read calls, timeouts, the
 * JSON-2 error hook) and the protocol the options ask for, or the one /web/version points to.
 * Refused credentials come back as AuthError with what to do about an expired API key.
 */
export class OdooClient {
  readonly http: HttpClient;
  private selected: Promise<{ protocol: Protocol; info: ServerInfo }> | null = null;
  private readonly fieldSets = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly options: OdooOptions,
    ctx: PluginContext,
  ) {
    this.http = createHttpClient(
      {
        system: SYSTEM,
        baseURL: `${options.url}/`,
        headers: { "User-Agent": "regua-connector-odoo" },
        timeouts: { requestMs: options.timeoutMs },
        tls: { rejectUnauthorized: options.tls.rejectUnauthorized },
        classify: classifyJson2,
      },
      ctx,
    );
  }

  /** The protocol in use and the server's version (asked once per instance). */
  async server(): Promise<ServerInfo> {
    return (await this.select()).info;
  }

  /** One ORM call; its result as the server sent it (parse it with a schema). */
  async call(call: RpcCall): Promise<unknown> {
    try {
      const { protocol } = await this.select();
      await protocol.prepare();
      const response = await this.http.request(protocol.request(call));
      return await protocol.decode(response, call);
    } catch (error) {
      throw withAuthHint(error);
    }
  }

  /**
   * search_read page after page with one paging strategy of the kit (the token rides in the call's
   * domain/offset, so the request body is what changes); `resume` continues a checkpoint.
   */
  async *pages<Token>(
    call: Omit<RpcCall, "readOnly">,
    strategy: (token: Token | null) => Record<string, unknown>,
    next: PageStrategy<Token>["next"],
    resume: Token | null,
  ): AsyncIterable<PageOf<Token>> {
    try {
      const { protocol } = await this.select();
      await protocol.prepare();
      const read: RpcCall = { ...call, readOnly: true };
      const decoding: HttpClient = {
        system: this.http.system,
        baseURL: this.http.baseURL,
        request: async <T>(request: KitRequest): Promise<KitResponse<T>> => {
          const response = await this.http.request(request);
          return { ...response, data: (await protocol.decode(response, read)) as T };
        },
      };
      const pageStrategy: PageStrategy<Token> = {
        request: (token) => {
          const built = protocol.request({ ...read, kwargs: { ...call.kwargs, ...strategy(token) } });
          return { data: built.data, ...(built.headers ? { headers: built.headers } : {}) };
        },
        next,
      };
      const base = protocol.request(read);
      yield* paginate(decoding, base, pageStrategy, { resume, select: (response) => response.data });
    } catch (error) {
      throw withAuthHint(error);
    }
  }

  /** The model's field names (fields_get), once per instance: 18 dropped res.partner.mobile. */
  fields(model: string): Promise<Set<string>> {
    let names = this.fieldSets.get(model);
    if (!names) {
      names = this.call({
        model,
        method: "fields_get",
        kwargs: { attributes: ["type"] },
        readOnly: true,
      }).then((answer) => new Set(Object.keys((answer ?? {}) as Record<string, unknown>)));
      names.catch(() => this.fieldSets.delete(model));
      this.fieldSets.set(model, names);
    }
    return names;
  }

  private select(): Promise<{ protocol: Protocol; info: ServerInfo }> {
    this.selected ??= this.detect().catch((error: unknown) => {
      this.selected = null;
      throw error;
    });
    return this.selected;
  }

  private async detect(): Promise<{ protocol: Protocol; info: ServerInfo }> {
    const { protocol: wanted, apiKey } = this.options;
    const xmlrpc = () => new XmlRpcProtocol(this.http, this.options);
    if (wanted === "json2")
      return {
        protocol: new Json2Protocol(this.options),
        info: { protocol: "json2", version: await this.webVersion() },
      };
    const version = await this.webVersion();
    const major = Number.parseInt((version ?? "").replace(/^saas~/, ""), 10);
    if (wanted === "auto" && apiKey && major >= JSON2_SINCE) {
      return { protocol: new Json2Protocol(this.options), info: { protocol: "json2", version } };
    }
    const protocol = xmlrpc();
    // 16 and 17 have no /web/version: common.version says which Odoo this is.
    const info = version ?? CommonVersion.safeParse(await protocol.version()).data?.server_version ?? null;
    return { protocol, info: { protocol: "xmlrpc", version: info } };
  }

  /** GET /web/version (18.0+, auth none); null when the server has no such route. */
  private async webVersion(): Promise<string | null> {
    const response = await this.http.request({ method: "GET", url: "web/version", allow: [404, 405] });
    const parsed = WebVersion.safeParse(response.data);
    return parsed.success ? parsed.data.version : null;
  }
}
