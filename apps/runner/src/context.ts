import { axiosTransport } from "@regua/connector-kit";
import type { Clock, HttpTransport, KeyValueState, Logger, PluginContext } from "@regua/core";

/** The one HTTP client factory plugins get: @regua/connector-kit's (keep-alive, proxy, timeouts, TLS). */
export { axiosTransport };

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
