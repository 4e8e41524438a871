import type { KitRequest, KitResponse } from "@regua/connector-kit";
import type { OdooOptions } from "./options.js";
import type { Protocol, RpcCall } from "./protocol.js";

/**
 * Odoo 19's JSON-2 API (odoo.com/documentation/19.0/developer/reference/external_api.html):
 * `POST /json/2/<model>/<method>` with `Authorization: bearer <api key>` and `X-Odoo-Database`,
 * the body `{ ids, context, ...named parameters }`, the method's return value as the JSON body,
 * errors as 4xx/5xx with `{ name, message, arguments, context, debug }` (errors.ts classifyJson2).
 * Stateless: no login, every call runs in its own transaction.
 */
export class Json2Protocol implements Protocol {
  readonly name = "json2" as const;

  constructor(private readonly options: OdooOptions) {}

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  request(call: RpcCall): KitRequest {
    return {
      method: "POST",
      url: `json/2/${call.model}/${call.method}`,
      data: { ...(call.ids ? { ids: call.ids } : {}), ...call.kwargs },
      headers: {
        Authorization: `bearer ${this.options.apiKey ?? ""}`,
        "X-Odoo-Database": this.options.database,
        "Content-Type": "application/json; charset=utf-8",
      },
      idempotent: call.readOnly,
    };
  }

  decode(response: KitResponse): Promise<unknown> {
    return Promise.resolve(response.data);
  }
}
