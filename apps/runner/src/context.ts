import { axiosTransport } from "@regua/connector-kit";
import type { Clock, HttpTransport, KeyValueState, Logger, PluginContext } from "@regua/core";
import { CancelledError } from "@regua/core";

/** The one HTTP client factory plugins get: @regua/connector-kit's (keep-alive, proxy, timeouts, TLS). */
export { axiosTransport };

/**
 * Graceful shutdown (docs/delivery-guarantees.md). The first SIGINT/SIGTERM aborts `signal`:
 * nothing new is claimed or started, ERP paging stops, and what was claimed and not started
 * goes back to planned. In-flight sends keep going: plugins get `hard`, aborted only
 * `graceMs` later, so their answers are recorded. A second signal exits at once (exit 130),
 * leaving the crash path (leases, the unknown reconciler) to handle the rest.
 */
export function shutdownSignal(
  log: Logger,
  options: { graceMs?: number } = {},
): { signal: AbortSignal; hard: AbortSignal; dispose(): void } {
  const stop = new AbortController();
  const hard = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (name: NodeJS.Signals) => {
    if (stop.signal.aborted) {
      log.warn({ signal: name }, "second signal: exiting now");
      process.exit(130);
    }
    const graceMs = options.graceMs ?? 30_000;
    log.info({ signal: name, graceMs }, "shutting down: finishing in-flight sends (send again to force)");
    stop.abort(new CancelledError(`received ${name}`));
    deadline = setTimeout(() => {
      log.warn({ graceMs }, "shutdown grace period over: cutting in-flight requests");
      hard.abort(new CancelledError(`received ${name}; grace period of ${graceMs} ms over`));
    }, graceMs);
    deadline.unref();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  return {
    signal: stop.signal,
    hard: hard.signal,
    dispose() {
      clearTimeout(deadline);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    },
  };
}

/**
 * This runner's dead predecessors: claim holders named `<instanceId>:<pid>` whose process is
 * gone (or whose pid is ours: a container restarted with the same pid). Their claims are
 * recovered at once instead of after the lease.
 */
export function deadPredecessors(holders: readonly string[], workerId: string, instanceId: string): string[] {
  const prefix = `${instanceId}:`;
  return holders.filter((holder) => {
    if (!holder.startsWith(prefix)) return false;
    if (holder === workerId) return true;
    const pid = Number(holder.slice(prefix.length));
    return Number.isInteger(pid) && pid > 0 && !processAlive(pid);
  });
}

/**
 * Frees the work units (`sync:<source>`, `plan`, `score`; docs/performance.md) a dead predecessor
 * of this runner still holds, instead of waiting for their lease: a runner restarted after a crash
 * syncs and plans on its first tick. Owners are `<workerId>/<n>`. Returns the units freed.
 */
export async function freeDeadUnits(
  state: KeyValueState,
  units: readonly string[],
  workerId: string,
  instanceId: string,
): Promise<string[]> {
  if (!state.leaseHolder) return [];
  const freed: string[] = [];
  for (const unit of units) {
    const owner = await state.leaseHolder(unit);
    if (owner === null) continue;
    const worker = owner.includes("/") ? owner.slice(0, owner.lastIndexOf("/")) : owner;
    if (deadPredecessors([worker], workerId, instanceId).length === 0) continue;
    await state.releaseLease(unit, owner);
    freed.push(unit);
  }
  return freed;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
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
