import { Agent as HttpsAgent } from "node:https";
import {
  type Clock,
  type HttpClientOptions,
  type HttpTransport,
  type KeyValueState,
  type Logger,
  type PluginContext,
  silentLogger,
  systemClock,
} from "@regua/core";
import axios, { type AxiosInstance } from "axios";

export interface TestContextOptions {
  /** The instance id records are tagged with (`source`). Default "test". */
  instanceId?: string;
  /** Default: the system clock. Pass a ManualClock to control sleeps and `now()`. */
  clock?: Clock;
  /** Default: a logger that drops everything. */
  log?: Logger;
  /** Default: a fresh in-memory state. */
  state?: KeyValueState;
  /** Default: a signal that never aborts. */
  signal?: AbortSignal;
}

/**
 * The HTTP factory the runner injects, made the same way: an axios instance with the base URL,
 * timeout, headers and a TLS agent that honours `rejectUnauthorized`. Connectors under test
 * therefore talk real HTTP to the fake servers.
 */
export const axiosTransport: HttpTransport = <TClient = unknown>(options: HttpClientOptions): TClient => {
  const instance: AxiosInstance = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs ?? 30_000,
    headers: { ...options.headers },
    httpsAgent: new HttpsAgent({ rejectUnauthorized: options.rejectUnauthorized ?? true }),
    ...(options.proxy ? { proxy: proxyConfig(options.proxy) } : {}),
  });
  return instance as TClient;
};

function proxyConfig(proxyUrl: string): { protocol: string; host: string; port: number } {
  const url = new URL(proxyUrl);
  const port = url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
  return { protocol: url.protocol.replace(":", ""), host: url.hostname, port };
}

/** A KeyValueState held in a Map: what the store gives a plugin, without the store. */
export class MemoryKeyValueState implements KeyValueState {
  readonly entries = new Map<string, string>();

  async get(key: string): Promise<string | null> {
    return this.entries.get(key) ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.entries.set(key, value);
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** A PluginContext for tests: real axios transport, silent logger, in-memory state. */
export function createTestContext(options: TestContextOptions = {}): PluginContext {
  return {
    instanceId: options.instanceId ?? "test",
    http: axiosTransport,
    clock: options.clock ?? systemClock,
    log: options.log ?? silentLogger,
    state: options.state ?? new MemoryKeyValueState(),
    signal: options.signal ?? new AbortController().signal,
  };
}
