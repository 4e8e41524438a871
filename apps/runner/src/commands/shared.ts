import type { Clock, HttpTransport, Logger } from "@regua/core";
import { isReguaError } from "@regua/core";
import { loadConfig, type RunnerConfig } from "../config.js";
import { shutdownSignal } from "../context.js";
import { createLogger, type LogLevel } from "../logger.js";
import type { Importer } from "../plugins.js";
import { openRuntime, type Runtime } from "../runtime.js";

/** Where a command writes: stdout for results, stderr for human notes. Tests pass their own. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** Asks for a secret (a password) without echo; tests answer it. Default: the terminal or stdin. */
  readSecret?(prompt: string): Promise<string>;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  isTTY: Boolean(process.stdout.isTTY),
};

export interface GlobalOptions {
  config: string;
  /** Overrides the config's `log.level`. */
  logLevel?: LogLevel | undefined;
}

/** A bad command-line argument: exit code 2, like commander's own usage errors. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Thrown by a command that ran but found a problem (failed check): exit 1 without a stack. */
export class CommandFailed extends Error {
  readonly exitCode = 1;
}

export function describeError(error: unknown): string {
  // A config error's message already names file:line and field; the rest say who refused and whether régua retries.
  if (isReguaError(error)) return error.code === "CONFIG" ? error.message : error.describe();
  return error instanceof Error ? error.message : String(error);
}

export interface CommandEnv {
  io: Io;
  log: Logger;
  config: RunnerConfig;
  signal: AbortSignal;
}

/** What tests swap: the clock, the HTTP factory, and how plugin packages are imported. */
export interface RuntimeOverrides {
  clock?: Clock;
  http?: HttpTransport;
  importer?: Importer;
}

/** Loads config, opens the store and plugins, runs `fn`, and always closes everything. */
export async function withRuntime<T>(
  global: GlobalOptions,
  io: Io,
  fn: (runtime: Runtime, env: CommandEnv) => Promise<T>,
  overrides: RuntimeOverrides = {},
): Promise<T> {
  const config = loadConfig(global.config);
  const log = createLogger({ level: global.logLevel ?? config.log.level });
  const shutdown = shutdownSignal(log, { graceMs: config.delivery.shutdownGraceMs });
  // Plugins stop only at the grace period's end: an in-flight send finishes and is recorded.
  const runtime = await openRuntime(config, { log, signal: shutdown.hard, ...overrides });
  try {
    return await fn(runtime, { io, log, config, signal: shutdown.signal });
  } finally {
    await runtime.close();
    shutdown.dispose();
  }
}

/** Short JSON of an engine result for the terminal; the engine's own shape, untouched. */
export function summarize(result: unknown): string {
  return JSON.stringify(
    result,
    (_k, v: unknown) => (Array.isArray(v) && v.length > 20 ? `[${v.length} items]` : v),
    2,
  );
}
