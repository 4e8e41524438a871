import { type Bot, createBot } from "@regua/bot";
import {
  BotSettingsSchema,
  ConfigError,
  type ConversationStore,
  type DunningStore,
  type Engine,
  type RoutedChannelEvent,
} from "@regua/core";
import type { Cron } from "croner";
import { Cron as CronJob } from "croner";
import { z } from "zod";
import type { RunnerConfig } from "./config.js";
import type { ChannelInstance, SourceInstance } from "./plugins.js";
import type { Runtime } from "./runtime.js";

const InstanceId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _");

/**
 * `bot:` in regua.yaml: the WhatsApp self-service bot (docs/bot.md). Everything but the company
 * name has a default; `channels` and `sources` narrow where it answers and what it asks.
 */
export const BotConfig = BotSettingsSchema.extend({
  /** Channels whose inbound messages it answers; default every channel that receives messages. */
  channels: z.array(InstanceId).min(1).optional(),
  /** Sources asked for a CPF/CNPJ, in order; default every source declaring `lookups`. */
  sources: z.array(InstanceId).min(1).optional(),
});
export type BotConfig = z.output<typeof BotConfig>;

export function conversationStoreOf(store: DunningStore): ConversationStore | null {
  return "findOpenConversation" in store ? (store as DunningStore & ConversationStore) : null;
}

interface BotParts {
  config: RunnerConfig;
  store: DunningStore;
  conversations: ConversationStore;
  engine: Engine;
  sources: readonly SourceInstance[];
  channels: readonly ChannelInstance[];
  clock: Runtime["clock"];
  log: Runtime["log"];
}

/** The configured bot, checked against the sources and channels it names. */
export function createRunnerBot(parts: BotParts): Bot {
  const { config } = parts;
  const settings = config.bot as BotConfig;
  const fail = (field: string, message: string): never => {
    const where = config.locate(["bot", field]);
    throw new ConfigError(`${where} bot.${field}: ${message}`, { where });
  };
  const known = new Map(parts.sources.map((s) => [s.id, s]));
  for (const id of settings.sources ?? []) {
    const source = known.get(id);
    if (!source) fail("sources", `no source "${id}"`);
    else if (source.connector.capabilities.lookups !== true)
      fail("sources", `source "${id}" (${source.packageName}) does not declare the "lookups" capability`);
  }
  const sources =
    settings.sources ??
    parts.sources.filter((s) => s.connector.capabilities.lookups === true).map((s) => s.id);
  if (sources.length === 0) {
    fail("sources", 'no source declares the "lookups" capability (findCustomersByTaxId, listOpenInvoices)');
  }
  const byId = new Map(parts.channels.map((c) => [c.id, c.channel]));
  for (const id of settings.channels ?? []) if (!byId.has(id)) fail("channels", `no channel "${id}"`);
  const answering = new Set(
    settings.channels ?? parts.channels.filter((c) => c.channel.capabilities.inbound).map((c) => c.id),
  );
  const bot = createBot({
    settings,
    conversations: parts.conversations,
    store: parts.store,
    erp: parts.engine.erp,
    sources,
    channels: byId,
    clock: parts.clock,
    log: parts.log,
  });
  return {
    onChannelEvent: (routed: RoutedChannelEvent) =>
      answering.has(routed.channelId) ? bot.onChannelEvent(routed) : Promise.resolve(),
    closeIdle: (options) => bot.closeIdle(options),
  };
}

const LEASE_MS = 55_000;

/** Every minute, one runner (under a lease) closes the silent self-service conversations. */
export function botCrons(
  rt: Runtime,
  job: (name: string, fn: () => Promise<unknown>) => () => Promise<void>,
): Cron[] {
  const bot = rt.bot;
  if (!bot) return [];
  const lease = rt.store.state("bot");
  const closeIdle = job("bot.closeIdle", async () => {
    if (!(await lease.acquireLease("close-idle", rt.workerId, LEASE_MS)))
      return { skipped: "another runner" };
    return { closed: await bot.closeIdle() };
  });
  return [new CronJob("* * * * *", { protect: true, name: "bot.closeIdle" }, closeIdle)];
}
