import type { Logger } from "@regua/core";
import { REDACT_PATHS } from "@regua/core";
import { type DestinationStream, pino } from "pino";

export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/**
 * JSON lines on stderr (stdout carries tables and `--json` output), secrets redacted wherever
 * core's REDACT_PATHS name them.
 */
export function createLogger(options: { level?: LogLevel; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      name: "regua",
      level: options.level ?? "info",
      redact: { paths: [...REDACT_PATHS], censor: "[redacted]" },
      base: { pid: process.pid },
    },
    options.destination ?? pino.destination(2),
  );
}
