import { ManualClock } from "../../src/clock.js";
import type { Logger } from "../../src/logger.js";

/** A manual clock whose sleep() moves time forward at once: retries and rate limits never hang. */
export class SteppingClock extends ManualClock {
  readonly sleeps: number[] = [];

  override sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.sleeps.push(ms);
    this.advance(Math.max(0, ms));
    return Promise.resolve();
  }
}

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  fields: Record<string, unknown>;
  msg: string;
}

/** A logger that keeps every line, with the bindings of its children merged in. */
export function recordingLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { lines: LogLine[] } {
  const write = (level: LogLine["level"]) => (obj: object | string, msg?: string) => {
    const fields = typeof obj === "string" ? { ...bindings } : { ...bindings, ...obj };
    lines.push({ level, fields, msg: typeof obj === "string" ? obj : (msg ?? "") });
  };
  return {
    lines,
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}
