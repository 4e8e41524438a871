import { Deserializer, serializeFault, XmlRpcFault, type XmlRpcValue } from "@foxglove/xmlrpc";
import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { generateDataset } from "../generator.js";
import { addLifecycle, type Lifecycle } from "./lifecycle.js";
import { methodResponse } from "./marshal.js";
import { FakeOrm, type MethodCall, OdooException, type OdooExceptionName } from "./orm.js";
import {
  type ModelName,
  maxOf,
  type OdooRecord,
  type OdooTables,
  type OdooValue,
  odooDatetime,
  seedTables,
} from "./records.js";

export type OdooVersion = "16.0" | "17.0" | "18.0" | "19.0";

export interface FakeOdooOptions {
  seed: number;
  customers: number;
  /** The day the data is "as of" (YYYY-MM-DD). */
  today: string;
  /** Which Odoo the fake answers as. JSON-2 exists from 19.0 on; 18 dropped res.partner.mobile. */
  version?: OdooVersion;
  /** Mean invoices per customer. Default 3. */
  invoicesPerCustomer?: number;
  database?: string;
  login?: string;
  password?: string;
  /** A user API key and when it expires (ISO date-time); keys are refused from then on. */
  apiKey?: string;
  apiKeyExpiresAt?: string;
  /** The server's clock: write_date stamps and key expiry. Default: the system clock. */
  now?: () => Date;
  /** Invoice PDFs as ir.attachment rows. Default: when there are fewer than 5,000 invoices. */
  attachments?: boolean;
}

export interface FakeOdooRequest {
  protocol: "xmlrpc" | "json2" | "http";
  path: string;
  model?: string;
  method?: string;
}

export interface FakeOdoo extends Lifecycle {
  url: string;
  version: OdooVersion;
  database: string;
  /** The live tables; after editing rows directly call `orm.changed()`. */
  tables: OdooTables;
  orm: FakeOrm;
  requests: FakeOdooRequest[];
  /** The next `times` requests get `status` (default 503) with an HTML error page, as a proxy sends. */
  failNext(times?: number, status?: number): void;
  close(): Promise<void>;
}

const UID = 2;

/** Odoo's release.version_info for a series: (17, 0, 0, 'final', 0, ''). */
function versionInfo(version: OdooVersion): [number, number, number, string, number, string] {
  return [Number(version.split(".")[0]), 0, 0, "final", 0, ""];
}

/**
 * A fake Odoo over real HTTP on 127.0.0.1, seeded from the generator:
 * `/xmlrpc/2/common` (version, authenticate, login) and `/xmlrpc/2/object` (execute_kw) with
 * Odoo's fault codes, `/json/2/<model>/<method>` (19.0+) with bearer API keys and Odoo's error
 * objects, and `/web/version` (18.0+). One in-memory ORM answers both protocols.
 */
export async function startFakeOdoo(options: FakeOdooOptions): Promise<FakeOdoo> {
  const version = options.version ?? "17.0";
  const major = versionInfo(version)[0];
  const database = options.database ?? "odoo";
  const login = options.login ?? "admin";
  const password = options.password ?? "admin";
  const now = options.now ?? (() => new Date());
  const dataset = generateDataset({
    seed: options.seed,
    customers: options.customers,
    today: options.today,
    ...(options.invoicesPerCustomer ? { invoicesPerCustomer: options.invoicesPerCustomer } : {}),
  });
  const tables = seedTables(dataset, {
    major,
    attachments: options.attachments ?? dataset.invoices.length < 5000,
  });
  let lastStamp = maxOf(
    (["res.partner", "account.move"] as ModelName[]).flatMap((m) =>
      tables[m].map((r) => Date.parse(`${String(r.write_date).replace(" ", "T")}Z`)),
    ),
  );
  // write_date only moves forward, at least one second past the newest, as a change in Odoo would.
  const stamp = (): string => {
    lastStamp = Math.max(now().getTime(), lastStamp + 1000);
    return odooDatetime(Math.floor(lastStamp / 1000) * 1000);
  };
  if (options.apiKey) {
    // The user's key as Preferences → Account Security lists it; expiration_date from 18 on.
    tables["res.users.apikeys"].push({
      id: 1,
      name: "régua",
      user_id: [UID, "Mitchell Admin"],
      scope: "rpc",
      create_date: odooDatetime(now().getTime()),
      ...(major >= 18
        ? { expiration_date: options.apiKeyExpiresAt ? odooDatetime(options.apiKeyExpiresAt) : false }
        : {}),
    });
  }
  const orm = new FakeOrm(tables, stamp);
  const requests: FakeOdooRequest[] = [];
  const injected: { status: number; remaining: number }[] = [];
  let keyExpiresAt = options.apiKeyExpiresAt ? Date.parse(options.apiKeyExpiresAt) : Number.POSITIVE_INFINITY;

  const keyValid = (key: unknown) =>
    options.apiKey !== undefined && key === options.apiKey && now().getTime() < keyExpiresAt;
  // res_users._check_credentials: the password, or an API key of the user (scope rpc).
  const credentialValid = (secret: unknown) => secret === password || keyValid(secret);

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
  app.addContentTypeParser(["text/xml", "application/xml"], { parseAs: "string" }, (_req, body, done) =>
    done(null, body),
  );

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const fault = injected[0];
    if (!fault) return;
    fault.remaining -= 1;
    if (fault.remaining <= 0) injected.shift();
    requests.push({ protocol: "http", path: request.url });
    return reply
      .code(fault.status)
      .type("text/html")
      .send(`<html><body><h1>${fault.status}</h1></body></html>`);
  });

  // /web/version (type http, auth none): {"version_info": [...], "version": "18.0"}.
  app.get("/web/version", async (_request, reply) => {
    requests.push({ protocol: "http", path: "/web/version" });
    if (major < 18) return reply.code(404).type("text/html").send("<h1>Not Found</h1>");
    return { version_info: versionInfo(version), version };
  });

  app.post<{ Params: { service: string }; Body: string }>("/xmlrpc/2/:service", async (request, reply) => {
    reply.type("text/xml");
    let method: string;
    let params: XmlRpcValue[];
    try {
      [method, params] = await new Deserializer().deserializeMethodCall(String(request.body ?? ""));
    } catch (error) {
      return serializeFault(
        new XmlRpcFault(traceback("xml.parsers.expat.ExpatError", (error as Error).message), 1),
      );
    }
    const call = { protocol: "xmlrpc" as const, path: request.url };
    try {
      if (request.params.service === "common") {
        requests.push({ ...call, method });
        return methodResponse(common(method, params));
      }
      if (request.params.service !== "object" || (method !== "execute_kw" && method !== "execute")) {
        throw new OdooException(
          "builtins.ValueError",
          `No such RPC method ${request.params.service}.${method}`,
        );
      }
      const [db, uid, secret, model, modelMethod, ...rest] = params as OdooValue[];
      requests.push({ ...call, model: String(model), method: String(modelMethod) });
      if (db !== database)
        throw new OdooException(
          "builtins.ValueError",
          `psycopg2.OperationalError: FATAL:  database "${String(db)}" does not exist`,
        );
      if (uid !== UID || !credentialValid(secret))
        throw new OdooException("odoo.exceptions.AccessDenied", "Access Denied");
      const args = (method === "execute_kw" ? (rest[0] ?? []) : rest) as OdooValue[];
      const kwargs = (method === "execute_kw" ? (rest[1] ?? {}) : {}) as Record<string, OdooValue>;
      const value = orm.call(withIds(String(model), String(modelMethod), args, kwargs));
      return methodResponse(value);
    } catch (error) {
      return xmlrpcFault(error);
    }
  });

  function common(method: string, params: XmlRpcValue[]): OdooValue {
    if (method === "version") {
      // odoo/service/common.py exp_version
      return {
        server_version: version,
        server_version_info: versionInfo(version),
        server_serie: version,
        protocol_version: 1,
      };
    }
    if (method === "authenticate" || method === "login") {
      const [db, user, secret] = params;
      if (db !== database)
        throw new OdooException(
          "builtins.ValueError",
          `psycopg2.OperationalError: FATAL:  database "${String(db)}" does not exist`,
        );
      // exp_authenticate answers False (not a fault) to a wrong login, password or API key.
      return user === login && credentialValid(secret) ? UID : false;
    }
    throw new OdooException("builtins.ValueError", `No such RPC method common.${method}`);
  }

  app.all<{ Params: { model: string; method: string } }>("/json/2/:model/:method", async (request, reply) => {
    const { model, method } = request.params;
    requests.push({ protocol: "json2", path: request.url, model, method });
    try {
      if (major < 19)
        throw new OdooException(
          "werkzeug.exceptions.NotFound",
          "404 Not Found: The requested URL was not found on the server.",
        );
      const auth = String(request.headers.authorization ?? "");
      const match = /^bearer\s+(.+)$/i.exec(auth);
      if (!match || !keyValid(match[1]))
        throw new OdooException("werkzeug.exceptions.Unauthorized", "Invalid apikey");
      const db = request.headers["x-odoo-database"];
      if (db !== undefined && db !== database)
        throw new OdooException("werkzeug.exceptions.NotFound", `database ${String(db)} not found`);
      if (request.method !== "POST")
        throw new OdooException("werkzeug.exceptions.NotFound", "405 Method Not Allowed");
      const body = (request.body ?? {}) as Record<string, OdooValue>;
      const { ids, context: _context, ...kwargs } = body;
      const value = orm.call({
        model,
        method,
        ids: Array.isArray(ids) ? (ids as number[]) : [],
        args: [],
        kwargs,
      });
      // The JSON-2 controller answers a recordset as its ids (message_post's mail.message → [id]).
      return method === "message_post" ? [value] : value;
    } catch (error) {
      const { status, body } = json2Error(error);
      return reply.code(status).send(body);
    }
  });

  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const lifecycle = addLifecycle({ tables, orm, stamp, major });
  return {
    url: `http://127.0.0.1:${port}`,
    version,
    database,
    tables,
    orm,
    requests,
    ...lifecycle,
    expireApiKey: () => {
      keyExpiresAt = now().getTime();
    },
    failNext: (times = 1, status = 503) => {
      injected.push({ status, remaining: times });
    },
    close: () => app.close(),
  };
}

/** Model-level methods (@api.model) take no ids; on every other method args[0] holds them. */
const MODEL_METHODS = new Set([
  "search_read",
  "search",
  "search_count",
  "fields_get",
  "create",
  "name_search",
]);

function withIds(
  model: string,
  method: string,
  args: OdooValue[],
  kwargs: Record<string, OdooValue>,
): MethodCall {
  if (MODEL_METHODS.has(method)) return { model, method, ids: [], args, kwargs };
  const [ids, ...rest] = args;
  const list = Array.isArray(ids) ? (ids as number[]) : typeof ids === "number" ? [ids] : [];
  return { model, method, ids: list, args: rest, kwargs };
}

function traceback(name: string, message: string): string {
  return [
    "Traceback (most recent call last):",
    '  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 160, in xmlrpc_2',
    "    response = self._xmlrpc(service)",
    '  File "/usr/lib/python3/dist-packages/odoo/service/model.py", line 156, in execute_kw',
    "    return execute(db, uid, obj, method, *args, **kw or {})",
    `${name.replace(/^builtins\./, "")}: ${message}`,
    "",
  ].join("\n");
}

/**
 * rpc.py xmlrpc_handle_exception_int: AccessError 4, AccessDenied 3, UserError (and its
 * subclasses ValidationError, MissingError) 2 with str(e), anything else 1 with the traceback.
 */
function xmlrpcFault(error: unknown): string {
  const e = error instanceof OdooException ? error : new OdooException("builtins.ValueError", String(error));
  const codes: Partial<Record<OdooExceptionName, number>> = {
    "odoo.exceptions.AccessError": 4,
    "odoo.exceptions.AccessDenied": 3,
    "odoo.exceptions.UserError": 2,
    "odoo.exceptions.ValidationError": 2,
    "odoo.exceptions.MissingError": 2,
  };
  const code = codes[e.odooName] ?? 1;
  const faultString = code === 1 ? traceback(e.odooName, e.message) : e.message;
  return serializeFault(new XmlRpcFault(faultString, code));
}

/** The JSON-2 error object ("External JSON-2 API", Response): name, message, arguments, context, debug. */
function json2Error(error: unknown): { status: number; body: Record<string, OdooValue> } {
  const e = error instanceof OdooException ? error : new OdooException("builtins.ValueError", String(error));
  const statuses: Partial<Record<OdooExceptionName, number>> = {
    "werkzeug.exceptions.Unauthorized": 401,
    "werkzeug.exceptions.NotFound": 404,
    "odoo.exceptions.AccessDenied": 403,
    "odoo.exceptions.AccessError": 403,
    "odoo.exceptions.MissingError": 404,
    "odoo.exceptions.UserError": 422,
    "odoo.exceptions.ValidationError": 422,
    "builtins.TypeError": 422,
  };
  const status = statuses[e.odooName] ?? 500;
  const args: OdooValue[] = e.odooName.startsWith("werkzeug") ? [e.message, status] : [e.message];
  return {
    status,
    body: {
      name: e.odooName,
      message: e.message,
      arguments: args,
      context: {},
      debug: traceback(e.odooName, e.message),
    },
  };
}

export type { OdooRecord };
