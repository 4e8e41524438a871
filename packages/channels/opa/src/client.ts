import {
  createHttpClient,
  type HttpClient,
  type KitResponse,
  kindForStatus,
  type Verdict,
} from "@regua/connector-kit";
import { fromZodError, type PluginContext } from "@regua/core";
import { z } from "zod";
import { Envelope, ErrorBody, type OpaOptions } from "./schemas.js";

export const SYSTEM = "opa";

/**
 * The kit's vendor hook: Opa's `{status: "error", code, message}` keeps Opa's code and words;
 * an error body inside a 200 answer fails with the class of the code it carries.
 */
export function classifyOpa(response: KitResponse): Verdict | undefined {
  const error = ErrorBody.safeParse(response.data);
  if (!error.success) return undefined;
  const code = error.data.code ?? response.status;
  const message = error.data.message ?? error.data.mensagem;
  if (response.status >= 400) return { code, message };
  const kind = kindForStatus(code);
  return { kind: kind === "ok" ? "PERMANENT" : kind, code, message };
}

/** The Opa! Suite API (`<host>/api/v1/…`) on the connector kit: Bearer token, limits, retries. */
export class OpaClient {
  readonly http: HttpClient;

  constructor(options: OpaOptions, ctx: PluginContext) {
    this.http = createHttpClient(
      {
        system: SYSTEM,
        baseURL: `${options.baseUrl}/api/v1/`,
        headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/json" },
        timeouts: { requestMs: options.timeoutMs },
        limits: { perSecond: options.perSecond },
        classify: classifyOpa,
      },
      ctx,
    );
  }

  /** A listing: Opa takes GET with a JSON body `{filter, options: {limit, skip}}`. */
  async list<T>(path: string, filter: Record<string, unknown>, row: z.ZodType<T>, limit = 100): Promise<T[]> {
    const data = { filter, options: { limit, skip: 0 } };
    const response = await this.http.request({ method: "GET", url: path, data });
    return dataOf(path, response.data, z.array(row));
  }

  async get<T>(path: string, schema: z.ZodType<T>): Promise<T> {
    const response = await this.http.request({ method: "GET", url: path });
    return dataOf(path, response.data, schema);
  }

  /** A POST that creates or sends: not retried (a lost answer must not send twice). */
  async post<T>(path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    const response = await this.http.request({ method: "POST", url: path, data: body, retry: false });
    return dataOf(path, response.data, schema);
  }
}

/** The envelope's `data`, parsed; a body that is neither names the path. */
function dataOf<T>(path: string, body: unknown, schema: z.ZodType<T>): T {
  const envelope = Envelope.safeParse(body);
  if (!envelope.success) throw fromZodError(envelope.error, `opa: answer to ${path}`);
  const data = schema.safeParse(envelope.data.data ?? {});
  if (!data.success) throw fromZodError(data.error, `opa: answer to ${path}`);
  return data.data;
}
