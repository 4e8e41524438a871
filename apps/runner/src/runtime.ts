import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { Bot } from "@regua/bot";
import type { Channel, Clock, Connector, Engine, HttpTransport, Logger, Policy } from "@regua/core";
import {
  ConfigError,
  createEngine,
  parsePolicy,
  type RoutedChannelEvent,
  systemClock,
  WORK_NAMESPACE,
} from "@regua/core";
import { createStore, type ReguaStore } from "@regua/store";
import { conversationStoreOf, createRunnerBot } from "./bot.js";
import type { RunnerConfig } from "./config.js";
import { deadPredecessors, freeDeadUnits } from "./context.js";
import { type ChannelInstance, createPlugins, type Importer, type SourceInstance } from "./plugins.js";

/** Everything a command needs, built from one config: store, plugins, policy, engine. */
export interface Runtime {
  config: RunnerConfig;
  log: Logger;
  clock: Clock;
  store: ReguaStore;
  policy: Policy;
  sources: SourceInstance[];
  channels: ChannelInstance[];
  engine: Engine;
  /** The self-service bot, when config has `bot:` (it answers from the webhook worker). */
  bot: Bot | null;
  /** `<instanceId>:<pid>`: owns the claims this process takes. */
  workerId: string;
  instanceId: string;
  /** Recovers the claims of this instance's dead predecessors (a restart), without waiting for their lease. */
  recoverPredecessors(): Promise<{ released: number; unknown: number }>;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  log: Logger;
  /** Aborted when plugins must stop at once: the shutdown's grace period is over. */
  signal: AbortSignal;
  clock?: Clock;
  http?: HttpTransport;
  importer?: Importer;
  /** Tests and the demo pass a store they built; otherwise the config's store is opened. */
  store?: ReguaStore;
}

export function loadPolicy(file: string): Policy {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(`${file}: policy file not readable (${(error as NodeJS.ErrnoException).code})`, {
      where: file,
      cause: error,
    });
  }
  return parsePolicy(text, file);
}

export async function openStore(
  config: RunnerConfig,
  log: Logger,
  clock: Clock = systemClock,
): Promise<ReguaStore> {
  if (config.secretKeyGeneratedAt) {
    log.warn(
      { keyFile: config.secretKeyGeneratedAt },
      "no secretKey in config: generated a random key beside the SQLite file (mode 0600); back it up with the database",
    );
  }
  const store = createStore(config.store, { secretKey: config.secretKey, clock });
  await store.migrate();
  return store;
}

export async function openRuntime(config: RunnerConfig, options: RuntimeOptions): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  const policy = loadPolicy(config.policy);
  const store = options.store ?? (await openStore(config, options.log, clock));
  try {
    const { sources, channels } = await createPlugins(config, {
      log: options.log,
      clock,
      signal: options.signal,
      state: (id) => store.state(id),
      ...(options.http ? { http: options.http } : {}),
      ...(options.importer ? { importer: options.importer } : {}),
    });
    const instanceId = config.instanceId ?? hostname();
    const workerId = `${instanceId}:${process.pid}`;
    const { delivery } = config;
    // Inbound messages open and continue conversations for the bot and for the operator console.
    const conversations = config.bot || config.console.enabled ? conversationStoreOf(store) : null;
    if (config.bot && !conversations) {
      throw new ConfigError("bot: needs a store with conversations (SQLite or PostgreSQL from @regua/store)");
    }
    let bot: Bot | null = null;
    const onChannelEvent = (routed: RoutedChannelEvent) => bot?.onChannelEvent(routed) ?? Promise.resolve();
    const engine = createEngine({
      store,
      connectors: new Map<string, Connector>(sources.map((s) => [s.id, s.connector])),
      channels: new Map<string, Channel>(channels.map((c) => [c.id, c.channel])),
      policy,
      clock,
      log: options.log,
      workerId,
      defaultRegion: config.defaultRegion,
      // Runners sharing one PostgreSQL share each channel's tier through it (docs/performance.md).
      shareRateLimits: "postgres" in config.store,
      // Each source's sync and the plan run under the store's leases: runners on one PostgreSQL
      // split them, and a manual `regua sync` never races the schedule on a source's cursors.
      shareWork: true,
      limits: { leaseMs: delivery.leaseMs, unknownQuietMs: delivery.unknownQuietMs },
      onUnknown: delivery.onUnknown,
      ...(conversations ? { conversations, onChannelEvent } : {}),
    });
    if (conversations && config.bot) {
      const parts = { config, store, conversations, engine, sources, channels, clock, log: options.log };
      bot = createRunnerBot(parts);
    }
    return {
      config,
      log: options.log,
      clock,
      store,
      policy,
      sources,
      channels,
      engine,
      bot,
      workerId,
      instanceId,
      async recoverPredecessors() {
        const deadWorkers = deadPredecessors(await store.claimHolders(), workerId, instanceId);
        const units = [...sources.map((s) => `sync:${s.id}`), "plan", "score"];
        const freed = await freeDeadUnits(store.state(WORK_NAMESPACE), units, workerId, instanceId);
        if (freed.length > 0)
          options.log.info({ units: freed }, "freed the work units of a dead predecessor");
        return engine.recover({ deadWorkers });
      },
      async close() {
        await Promise.allSettled([
          ...sources.map((s) => s.connector.close()),
          ...channels.map((c) => c.channel.close()),
        ]);
        if (!options.store) await store.close();
      },
    };
  } catch (error) {
    if (!options.store) await store.close();
    throw error;
  }
}
