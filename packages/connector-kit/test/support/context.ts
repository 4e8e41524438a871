import {
  type Clock,
  type KeyValueState,
  MemoryKeyValueState,
  type PluginContext,
  silentLogger,
} from "@regua/core";
import { axiosTransport } from "../../src/index.js";

/** What the runner hands a plugin, with the kit's real transport. */
export function pluginContext(
  clock: Clock,
  state: KeyValueState = new MemoryKeyValueState(clock),
): PluginContext {
  return {
    instanceId: "test",
    http: axiosTransport,
    clock,
    log: silentLogger,
    state,
    signal: new AbortController().signal,
  };
}
