import type { KitRequest, KitResponse } from "@regua/connector-kit";

/** One ORM call: `model.method(ids, **kwargs)`, as both protocols express it. */
export interface RpcCall {
  model: string;
  method: string;
  /** Records the method runs on; absent for @api.model methods (search_read, create). */
  ids?: number[];
  kwargs?: Record<string, unknown>;
  /** Reads only: the request may be sent again after a transient failure. */
  readOnly: boolean;
}

/**
 * XML-RPC (16–18, deprecated in 19) or JSON-2 (19+) behind one interface: how a call becomes a
 * request, and how a response becomes the call's result (or a core error).
 */
export interface Protocol {
  readonly name: "xmlrpc" | "json2";
  /** Logs in when the protocol needs it (XML-RPC authenticate → uid); once per instance. */
  prepare(): Promise<void>;
  /** The kit request for a call; `prepare()` must have resolved. */
  request(call: RpcCall): KitRequest;
  /** The call's return value; XML-RPC faults are raised here as core errors. */
  decode(response: KitResponse, call: RpcCall): Promise<unknown>;
}
