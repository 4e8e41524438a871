import { promisify } from "node:util";
import zlib from "node:zlib";
import type { HttpClientOptions, HttpTransport } from "@regua/core";
import axios, {
  type AxiosAdapter,
  AxiosError,
  AxiosHeaders,
  type AxiosInstance,
  type AxiosResponse,
  type InternalAxiosRequestConfig,
} from "axios";
import { getProxyForUrl } from "proxy-from-env";
import { Agent, type Dispatcher, interceptors, ProxyAgent } from "undici";

/** How long an idle keep-alive socket stays in the pool when the server sends no Keep-Alive hint. */
const IDLE_SOCKET_MS = 30_000;

/** Redirects followed, as axios's own adapter did (it followed 21; five is plenty for an API). */
const MAX_REDIRECTS = 5;

/** What axios's own adapter asked for, and what the responses are decoded from. */
const ACCEPT_ENCODING = "gzip, deflate, br";

/** The code a connect timeout fails with; classified as "not sent" (the request never left). */
export const CONNECT_TIMEOUT_CODE = "UND_ERR_CONNECT_TIMEOUT";

const decoders: Record<string, (buffer: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.unzip),
  "x-gzip": promisify(zlib.unzip),
  deflate: promisify(zlib.unzip),
  br: promisify(zlib.brotliDecompress),
};

/**
 * The one HTTP factory the runner and the testkit inject into plugins: an axios instance (the
 * API every plugin writes against) whose requests go out through undici, Node's own HTTP/1.1
 * client, instead of axios's node:http adapter. Each client has its own keep-alive pool, TLS
 * verification unless the user turns it off, a connect timeout, an idle timeout, and a proxy.
 *
 * Why undici under axios (issue 10): on the send path axios's node:http adapter (with
 * follow-redirects and a socket option set per request) cost about 190 µs of the event loop per
 * request; through undici about 105 µs, of which axios's own config handling is most.
 *
 * Proxy: with no `proxy` option the environment decides per request, as axios did, through the
 * same proxy-from-env (HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY): https targets are
 * tunnelled with CONNECT, http ones forwarded as absolute URLs. A `proxy` URL overrides the
 * environment (user:pass in it becomes Proxy-Authorization); `false` disables it.
 */
export const axiosTransport: HttpTransport = <TClient = unknown>(options: HttpClientOptions): TClient => {
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    headers: { ...options.headers },
    adapter: undiciAdapter(dispatchers(options)),
  });
  return instance as TClient;
};

type Route = (url: URL) => Dispatcher;

/** The direct pool and one pool per proxy, made on first use; which one a URL goes through. */
function dispatchers(options: HttpClientOptions): Route {
  const tls = { rejectUnauthorized: options.rejectUnauthorized ?? true };
  const pool = {
    keepAliveTimeout: IDLE_SOCKET_MS,
    ...(options.connectTimeoutMs === undefined ? {} : { connectTimeout: options.connectTimeoutMs }),
  };
  const redirects = interceptors.redirect({ maxRedirections: MAX_REDIRECTS });
  let direct: Dispatcher | undefined;
  const viaProxy = new Map<string, Dispatcher>();
  const directly = () => {
    direct ??= new Agent({ ...pool, connect: tls }).compose(redirects);
    return direct;
  };
  const through = (proxy: string) => {
    let agent = viaProxy.get(proxy);
    if (!agent) {
      agent = new ProxyAgent({ ...pool, uri: proxy, proxyTunnel: false, requestTls: tls }).compose(redirects);
      viaProxy.set(proxy, agent);
    }
    return agent;
  };
  if (options.proxy === false) return directly;
  if (options.proxy !== undefined) {
    const proxy = options.proxy;
    return () => through(proxy);
  }
  return (url) => {
    const proxy = getProxyForUrl(url);
    return proxy ? through(proxy) : directly();
  };
}

/**
 * axios's adapter contract on undici: the config arrives with the body already serialized by
 * axios's transformRequest, and the raw text leaves for its transformResponse (JSON parsing,
 * `responseType`), so everything around the wire stays axios's own behaviour.
 */
function undiciAdapter(route: Route): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse> => {
    let url: URL;
    try {
      url = new URL(axios.getUri(config));
    } catch (error) {
      throw AxiosError.from(error, "ERR_INVALID_URL", config);
    }
    const headers = AxiosHeaders.from(config.headers).normalize(false);
    headers.set("Accept-Encoding", ACCEPT_ENCODING, false);
    const body = await requestBody(config.data, headers);
    const timeout = config.timeout || undefined;
    let answer: Dispatcher.ResponseData;
    let raw: Buffer;
    try {
      answer = await route(url).request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: (config.method ?? "get").toUpperCase() as Dispatcher.HttpMethod,
        headers: headers.toJSON(true) as Record<string, string>,
        body,
        signal: config.signal as AbortSignal | undefined,
        ...(timeout ? { headersTimeout: timeout, bodyTimeout: timeout } : {}),
      });
      raw = Buffer.from(await answer.body.arrayBuffer());
    } catch (error) {
      throw AxiosError.from(error, codeOf(error), config);
    }
    const responseHeaders = { ...answer.headers };
    const encoding = String(responseHeaders["content-encoding"] ?? "").toLowerCase();
    const decode = decoders[encoding];
    if (decode && raw.length > 0) {
      raw = await decode(raw).catch((error: unknown) => {
        throw AxiosError.from(error, "ERR_BAD_RESPONSE", config);
      });
      delete responseHeaders["content-encoding"];
    }
    const response: AxiosResponse = {
      data: config.responseType === "arraybuffer" ? raw : stripBom(raw.toString("utf8")),
      status: answer.statusCode,
      statusText: "",
      headers: new AxiosHeaders(responseHeaders as Record<string, string>),
      config,
      request: { path: url.pathname },
    };
    const validate = config.validateStatus;
    if (!validate || validate(response.status)) return response;
    throw new AxiosError(
      `Request failed with status code ${response.status}`,
      response.status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
      config,
      response.request,
      response,
    );
  };
}

/**
 * axios's transformRequest has already made JSON and forms text. A FormData (a document upload)
 * is encoded by the platform's own multipart encoder, boundary and all.
 */
async function requestBody(
  data: unknown,
  headers: AxiosHeaders,
): Promise<Dispatcher.DispatchOptions["body"]> {
  if (data === undefined || data === null) return null;
  if (data instanceof FormData) {
    const encoded = new Response(data);
    headers.set("Content-Type", encoded.headers.get("content-type"));
    return Buffer.from(await encoded.arrayBuffer());
  }
  if (typeof data === "string" || Buffer.isBuffer(data) || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (data instanceof URLSearchParams) return data.toString();
  return JSON.stringify(data);
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
