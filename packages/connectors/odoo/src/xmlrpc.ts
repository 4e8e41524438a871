import { Deserializer, serializeMethodCall, type XmlRpcValue } from "@foxglove/xmlrpc";
import type { HttpClient, KitRequest, KitResponse } from "@regua/connector-kit";
import { AuthError } from "@regua/core";
import { faultError, faultVerdict, KEY_HINT, SYSTEM } from "./errors.js";
import type { OdooOptions } from "./options.js";
import type { Protocol, RpcCall } from "./protocol.js";

interface Fault {
  faultCode: number;
  faultString: string;
}

function isFault(error: unknown): error is Fault {
  const fault = error as Partial<Fault> | null;
  return typeof fault?.faultCode === "number" && typeof fault.faultString === "string";
}

/**
 * Odoo's external RPC API over XML-RPC (odoo.com/documentation/17.0/developer/reference/external_api.html):
 * `common.authenticate(db, login, password | api key, {})` → uid (False when refused), then
 * `object.execute_kw(db, uid, password | api key, model, method, args, kwargs)`. XML is written
 * and read by @foxglove/xmlrpc (sax + xmlbuilder2); HTTP goes through the kit's client, so
 * keep-alive, retries of read calls, timeouts and the proxy are the kit's.
 */
export class XmlRpcProtocol implements Protocol {
  readonly name = "xmlrpc" as const;
  private uid: number | null = null;
  private login: Promise<void> | null = null;
  private readonly secret: string;

  constructor(
    private readonly http: HttpClient,
    private readonly options: OdooOptions,
  ) {
    this.secret = options.apiKey ?? options.password ?? "";
  }

  prepare(): Promise<void> {
    if (this.uid !== null) return Promise.resolve();
    this.login ??= this.authenticate().finally(() => {
      this.login = null;
    });
    return this.login;
  }

  private async authenticate(): Promise<void> {
    const { database, login } = this.options;
    const response = await this.http.request({
      ...this.post(
        "xmlrpc/2/common",
        serializeMethodCall("authenticate", [database, login ?? "", this.secret, {}]),
      ),
      idempotent: true,
    });
    const uid = await this.decodeXml(response, "common.authenticate");
    // exp_authenticate answers False to a wrong login, password or API key (expired keys too).
    if (typeof uid !== "number" || uid <= 0) {
      throw new AuthError(
        `${SYSTEM}: database ${database} refused the login ${login ?? ""} (authenticate answered False). ${KEY_HINT}`,
        {
          provider: { system: SYSTEM, status: response.status, message: "authenticate returned False" },
          reason: "login refused",
        },
      );
    }
    this.uid = uid;
  }

  /** common.version: needs no login. */
  async version(): Promise<unknown> {
    const response = await this.http.request({
      ...this.post("xmlrpc/2/common", serializeMethodCall("version", [])),
      idempotent: true,
    });
    return this.decodeXml(response, "common.version");
  }

  request(call: RpcCall): KitRequest {
    const kwargs = { ...call.kwargs };
    // create takes vals_list positionally: 16.x's _call_kw_model_create reads args[0].
    const positional: unknown[] = call.ids ? [call.ids] : [];
    if (call.method === "create") {
      positional.push(kwargs.vals_list);
      delete kwargs.vals_list;
    }
    const params = [
      this.options.database,
      this.uid ?? 0,
      this.secret,
      call.model,
      call.method,
      positional,
      kwargs,
    ];
    return {
      ...this.post("xmlrpc/2/object", serializeMethodCall("execute_kw", params as XmlRpcValue[])),
      idempotent: call.readOnly,
    };
  }

  decode(response: KitResponse, call: RpcCall): Promise<unknown> {
    return this.decodeXml(response, `${call.model}.${call.method}`);
  }

  private async decodeXml(response: KitResponse, what: string): Promise<unknown> {
    try {
      return await new Deserializer().deserializeMethodResponse(String(response.data ?? ""));
    } catch (error) {
      if (isFault(error)) throw faultError(faultVerdict(error.faultCode, error.faultString), what);
      throw faultError(
        { kind: "TRANSIENT", code: "xml", message: `unreadable XML-RPC answer: ${(error as Error).message}` },
        what,
      );
    }
  }

  private post(url: string, xml: string): KitRequest {
    return { method: "POST", url, data: xml, headers: { "Content-Type": "text/xml" }, responseType: "text" };
  }
}
