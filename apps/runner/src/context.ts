import https from "node:https";
import type {
  Clock,
  HttpClientOptions,
  HttpTransport,
  KeyValueState,
  Logger,
  PluginContext,
} from "@regua/core";
import axios, { type AxiosProxyConfig } from "axios";

/** axios proxy settings from a URL such as http://user:pass@proxy:3128. */
function proxyFromUrl(url: string): AxiosProxyConfig {
  const parsed = new URL(url);
  return {
    protocol: parsed.protocol.replace(":", ""),
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80)),
    ...(parsed.username
      ? {
          auth: {
            username: decodeURIComponent(parsed.username),
            password: decodeURIComponent(parsed.password),
          },
        }
      : {}),
  };
}

/** The one HTTP client factory plugins get: an axios instance with base URL, timeout and TLS. */
export const axiosTransport: HttpTransport = <TClient = unknown>(options: HttpClientOptions): TClient => {
  const client = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    httpsAgent: new https.Agent({ rejectUnauthorized: options.rejectUnauthorized ?? true, keepAlive: true }),
    ...(options.headers ? { headers: options.headers } : {}),
    ...(options.proxy ? { proxy: proxyFromUrl(options.proxy) } : {}),
  });
  return client as TClient;
};

/** Aborts on the first SIGINT/SIGTERM so plugins stop paging and the loop drains. */
export function shutdownSignal(log: Logger): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      log.warn({ signal: name }, "second signal: exiting now");
      process.exit(130);
    }
    log.info({ signal: name }, "shutting down (send again to force)");
    controller.abort(new Error(`received ${name}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

export function pluginContext(input: {
  instanceId: string;
  kind: "source" | "channel";
  packageName: string;
  log: Logger;
  clock: Clock;
  state: KeyValueState;
  signal: AbortSignal;
  http?: HttpTransport;
}): PluginContext {
  return {
    instanceId: input.instanceId,
    http: input.http ?? axiosTransport,
    clock: input.clock,
    log: input.log.child({ [input.kind]: input.instanceId, plugin: input.packageName }),
    state: input.state,
    signal: input.signal,
  };
}
