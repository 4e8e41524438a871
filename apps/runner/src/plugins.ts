import path from "node:path";
import type {
  Channel,
  ChannelDefinition,
  Clock,
  Connector,
  ConnectorDefinition,
  HttpTransport,
  KeyValueState,
  Logger,
} from "@regua/core";
import { ConfigError } from "@regua/core";
import { z } from "zod";
import type { RunnerConfig } from "./config.js";
import { formatPath } from "./config.js";
import { pluginContext } from "./context.js";
import { type Importer, installHint, pluginImporter } from "./plugin-import.js";

/**
 * Plugins are loaded by the package name written in config (explicit registration, STYLE.md §7):
 * the default export is the ConnectorDefinition / ChannelDefinition.
 */
const DefinitionShape = z.object({
  id: z.string(),
  optionsSchema: z.custom<z.ZodType>((v) => typeof (v as { safeParse?: unknown })?.safeParse === "function", {
    message: "optionsSchema must be a zod schema",
  }),
  create: z.custom<(...args: unknown[]) => unknown>((v) => typeof v === "function", {
    message: "create must be a function",
  }),
});

export type { Importer } from "./plugin-import.js";

/** The default importer for a config: plugins resolved from the user's installation. */
const importerFor = (config: RunnerConfig): Importer => pluginImporter(path.dirname(config.file));

async function importDefinition(
  packageName: string,
  where: string,
  field: string,
  importer: Importer,
): Promise<unknown> {
  let mod: unknown;
  try {
    mod = await importer(packageName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND"
        ? installHint(packageName)
        : `package ${packageName} failed to load: ${(error as Error).message}`;
    throw new ConfigError(`${where} ${field}: ${reason}`, { where, cause: error });
  }
  const definition = (mod as { default?: unknown }).default;
  const shape = DefinitionShape.safeParse(definition);
  if (!shape.success) {
    throw new ConfigError(
      `${where} ${field}: package ${packageName} has no default export that is a régua plugin definition (${shape.error.issues[0]?.message})`,
      { where },
    );
  }
  return definition;
}

function validateOptions(
  definition: { optionsSchema: z.ZodType },
  options: Record<string, unknown>,
  packageName: string,
  fieldBase: (string | number)[],
  config: RunnerConfig,
): unknown {
  const parsed = definition.optionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const fieldPath = [...fieldBase, ...issue.path];
    return `${config.locate(fieldPath)} ${formatPath(fieldPath)}: ${issue.message} (options of ${packageName})`;
  });
  throw new ConfigError(lines.join("\n"), { where: config.locate(fieldBase) });
}

export interface SourceInstance {
  id: string;
  packageName: string;
  definition: ConnectorDefinition;
  connector: Connector;
}
export interface ChannelInstance {
  id: string;
  packageName: string;
  definition: ChannelDefinition;
  channel: Channel;
}

export interface PluginDeps {
  log: Logger;
  clock: Clock;
  signal: AbortSignal;
  state(instanceId: string): KeyValueState;
  http?: HttpTransport;
  importer?: Importer;
}

/**
 * Imports and validates every plugin without creating it (used first by `regua check`). Every
 * plugin is tried, so one run reports all the option errors, not only the first.
 */
export async function resolveDefinitions(config: RunnerConfig, importer: Importer = importerFor(config)) {
  const sourceResults = await Promise.allSettled(
    config.sources.map(async (s, i) => {
      const definition = (await importDefinition(
        s.connector,
        config.locate(["sources", i, "connector"]),
        `sources[${i}].connector`,
        importer,
      )) as ConnectorDefinition;
      const options = validateOptions(definition, s.options, s.connector, ["sources", i, "options"], config);
      return { id: s.id, packageName: s.connector, definition, options };
    }),
  );
  const channelResults = await Promise.allSettled(
    config.channels.map(async (c, i) => {
      const definition = (await importDefinition(
        c.channel,
        config.locate(["channels", i, "channel"]),
        `channels[${i}].channel`,
        importer,
      )) as ChannelDefinition;
      const options = validateOptions(definition, c.options, c.channel, ["channels", i, "options"], config);
      return { id: c.id, packageName: c.channel, definition, options };
    }),
  );
  const failures = [...sourceResults, ...channelResults].flatMap((r) =>
    r.status === "rejected" ? [r.reason] : [],
  );
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    throw new ConfigError(failures.map((f) => (f instanceof Error ? f.message : String(f))).join("\n"), {
      where: config.file,
    });
  }
  const value = <T>(r: PromiseSettledResult<T>): T[] => (r.status === "fulfilled" ? [r.value] : []);
  return { sources: sourceResults.flatMap(value), channels: channelResults.flatMap(value) };
}

export async function createPlugins(
  config: RunnerConfig,
  deps: PluginDeps,
): Promise<{ sources: SourceInstance[]; channels: ChannelInstance[] }> {
  const resolved = await resolveDefinitions(config, deps.importer);
  const ctx = (instanceId: string, kind: "source" | "channel", packageName: string) =>
    pluginContext({ instanceId, kind, packageName, ...deps, state: deps.state(instanceId) });
  const sources = await Promise.all(
    resolved.sources.map(async (s) => ({
      id: s.id,
      packageName: s.packageName,
      definition: s.definition,
      connector: await s.definition.create(s.options, ctx(s.id, "source", s.packageName)),
    })),
  );
  const channels = await Promise.all(
    resolved.channels.map(async (c) => ({
      id: c.id,
      packageName: c.packageName,
      definition: c.definition,
      channel: await c.definition.create(c.options, ctx(c.id, "channel", c.packageName)),
    })),
  );
  return { sources, channels };
}

/** "@regua/channel-whatsapp" → "whatsapp"; third-party names keep their last segment. */
export function shortPluginName(packageName: string): string {
  const last = packageName.split("/").pop() ?? packageName;
  return last.replace(/^(regua-)?(channel|connector)-/, "");
}
