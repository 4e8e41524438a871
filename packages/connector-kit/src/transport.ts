import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import type { HttpClientOptions, HttpTransport } from "@regua/core";
import axios, { type AxiosInstance } from "axios";

/** How long an idle keep-alive socket stays in the pool; below the usual 60 s server/LB idle limit. */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

/** The code a connect timeout fails with; classified as "not sent" (the request never left). */
export const CONNECT_TIMEOUT_CODE = "ECONNTIMEOUT";

type Connect = (options: object, callback?: (error: Error | null, socket: Duplex) => void) => Duplex;

/**
 * Fails a socket that has not connected within `ms`. axios's `timeout` covers the whole
 * request; this one only the TCP handshake, so a dead host fails fast and is known unsent.
 */
function withConnectTimeout<A extends http.Agent>(agent: A, ms: number | undefined): A {
  if (ms === undefined) return agent;
  const target = agent as unknown as { createConnection: Connect };
  const create = target.createConnection.bind(agent);
  target.createConnection = (options, callback) => {
    const socket = create(options, callback);
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`connect timeout after ${ms} ms`), {
        code: CONNECT_TIMEOUT_CODE,
      });
      socket.destroy(error);
    }, ms);
    timer.unref();
    socket.once("connect", () => clearTimeout(timer));
    socket.once("close", () => clearTimeout(timer));
    return socket;
  };
  return agent;
}

/**
 * The one HTTP factory the runner and the testkit inject into plugins: an axios instance with its
 * own keep-alive agents (one socket pool per client), TLS verification unless the user turns it
 * off, a connect and a request timeout, and a proxy.
 *
 * Proxy: with no `proxy` option axios itself reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY (through
 * proxy-from-env) on every request, tunnels https targets with CONNECT and forwards http ones, so
 * nothing here re-implements it. A `proxy` URL overrides the environment; `false` disables it.
 */
export const axiosTransport: HttpTransport = <TClient = unknown>(options: HttpClientOptions): TClient => {
  const agentOptions = { keepAlive: true, timeout: FREE_SOCKET_TIMEOUT_MS };
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    headers: { ...options.headers },
    httpAgent: withConnectTimeout(new http.Agent(agentOptions), options.connectTimeoutMs),
    httpsAgent: withConnectTimeout(
      new https.Agent({ ...agentOptions, rejectUnauthorized: options.rejectUnauthorized ?? true }),
      options.connectTimeoutMs,
    ),
    ...(options.proxy === undefined ? {} : { proxy: proxyConfig(options.proxy) }),
  });
  return instance as TClient;
};

/** axios proxy settings from a URL such as http://user:pass@proxy:3128. */
function proxyConfig(proxy: string | false) {
  if (proxy === false) return false as const;
  const url = new URL(proxy);
  return {
    protocol: url.protocol.replace(":", ""),
    host: url.hostname,
    port: Number(url.port || (url.protocol === "https:" ? 443 : 80)),
    ...(url.username
      ? { auth: { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } }
      : {}),
  };
}
