import { axiosTransport } from "@regua/connector-kit";
import {
  type Clock,
  type KeyValueState,
  type Logger,
  MemoryKeyValueState,
  type PluginContext,
  silentLogger,
  systemClock,
} from "@regua/core";

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

/** A PluginContext for tests: the runner's transport (@regua/connector-kit), silent logger, in-memory state. */
export function createTestContext(options: TestContextOptions = {}): PluginContext {
  return {
    instanceId: options.instanceId ?? "test",
    http: axiosTransport,
    clock: options.clock ?? systemClock,
    log: options.log ?? silentLogger,
    state: options.state ?? new MemoryKeyValueState(options.clock ?? systemClock),
    signal: options.signal ?? new AbortController().signal,
  };
}
