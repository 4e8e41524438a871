import { type Clock, type KeyValueState, type PluginContext, silentLogger } from "@regua/core";
import { axiosTransport } from "../../src/index.js";

const noState: KeyValueState = {
  get: async () => null,
  set: async () => {},
  delete: async () => {},
};

/** What the runner hands a plugin, with the kit's real transport. */
export function pluginContext(clock: Clock, state: KeyValueState = noState): PluginContext {
  return {
    instanceId: "test",
    http: axiosTransport,
    clock,
    log: silentLogger,
    state,
    signal: new AbortController().signal,
  };
}
