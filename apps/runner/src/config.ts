import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseEnv } from "node:util";
import { ConfigError } from "@regua/core";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { z } from "zod";
import { AlertsConfig } from "./alerts/schema.js";
import { BotConfig } from "./bot.js";
import { ConsoleConfig } from "./console/schema.js";
import { CronLine } from "./cron-line.js";
import { NotifyConfig } from "./notify/schema.js";
import { ReportsConfig } from "./reports/schema.js";
import { ScoreConfig } from "./score/config.js";

/**
 * The runner's one config file (see DESIGN.md "Runner"). Every byte goes through the schema
 * below once; errors name file:line:column and the field path. Secrets are written as
 * `{ env: NAME }` and resolved from the environment at load, never stored in the file.
 */

const PluginId = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _");
/** An npm package name, or a path to an in-house plugin: `./connectors/acme`, `/opt/acme/index.js`. */
const PackageName = z
  .string()
  .regex(
    /^((@[a-z0-9._-]+\/)?[a-z0-9._-]+|\.{1,2}\/.+|\/.+)$/,
    "must be an npm package name or a path starting with ./, ../ or /",
  );

const StoreConfig = z.union([
  z.strictObject({ sqlite: z.string().min(1) }),
  z.strictObject({ postgres: z.string().min(1) }),
]);

const ServerLimitsConfig = z.strictObject({
  requestTimeoutMs: z.number().int().min(1_000).optional(),
  idleTimeoutMs: z.number().int().min(1_000).optional(),
  maxConnections: z.number().int().min(1).optional(),
  webhookBodyBytes: z
    .number()
    .int()
    .min(1_024)
    .max(64 * 1024 * 1024)
    .optional(),
  maxEventsPerRequest: z.number().int().min(1).optional(),
  authFailuresPerMinute: z.number().int().min(1).optional(),
});

export const RunnerConfigSchema = z.strictObject({
  store: StoreConfig,
  sources: z
    .array(
      z.strictObject({
        id: PluginId,
        connector: PackageName,
        options: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1, "needs at least one source"),
  channels: z
    .array(
      z.strictObject({
        id: PluginId,
        channel: PackageName,
        options: z.record(z.string(), z.unknown()).default({}),
      }),
    )
    .min(1, "needs at least one channel"),
  policy: z.string().min(1),
  schedule: z
    .strictObject({
      sync: CronLine,
      dispatch: CronLine,
      plan: CronLine.optional(),
      writeBack: CronLine.optional(),
      /** Retrains the payment-risk model (`regua score`) on this cron line (docs/payment-behaviour.md). */
      score: CronLine.optional(),
    })
    .default({ sync: "*/15 * * * *", dispatch: "*/5 * * * *" }),
  server: z
    .strictObject({
      port: z.number().int().min(0).max(65535).default(8080),
      host: z.string().default("127.0.0.1"),
      /**
       * Bearer token for /admin, the dashboard and /healthz detail; write it as { env: NAME }.
       * `regua serve` refuses to start without it (`regua init` generates one into .env).
       */
      adminToken: z.string().min(16, "must be at least 16 characters").optional(),
      /** When set, /metrics needs this bearer token (or the admin token). */
      metricsToken: z.string().min(16, "must be at least 16 characters").optional(),
      limits: ServerLimitsConfig.default({}),
    })
    .default({ port: 8080, host: "127.0.0.1", limits: {} }),
  retention: z
    .strictObject({
      /**
       * Days raw webhook bodies and their dedupe records are kept; audit entries, activities and
       * opt-outs derived from them are kept for good. At least 31: events older than 30 days are
       * refused, so a redelivery is always still recognised as a duplicate.
       */
      webhookDays: z.number().int().min(31).default(90),
    })
    .default({ webhookDays: 90 }),
  /**
   * Names this runner (default: the host name). Worker ids are `<instanceId>:<pid>`: a runner
   * that restarts under the same instance id recovers its dead predecessor's claims at once.
   */
  instanceId: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "must be letters, digits, ., - or _")
    .optional(),
  /** Delivery guarantees (docs/delivery-guarantees.md). */
  delivery: z
    .strictObject({
      /** How long a claim (and a `sending` row) belongs to a worker. */
      leaseMs: z
        .number()
        .int()
        .positive()
        .default(5 * 60_000),
      /** How long an ambiguous send waits for the provider's status before it is settled. */
      unknownQuietMs: z
        .number()
        .int()
        .positive()
        .default(15 * 60_000),
      /** Then: send it once more ("resend"), or leave it for an operator ("hold"). */
      onUnknown: z.enum(["resend", "hold"]).default("resend"),
      /** On SIGTERM/SIGINT, how long in-flight sends may take to finish before they are cut. */
      shutdownGraceMs: z.number().int().positive().default(30_000),
    })
    .default({
      leaseMs: 5 * 60_000,
      unknownQuietMs: 15 * 60_000,
      onUnknown: "resend",
      shutdownGraceMs: 30_000,
    }),
  secretKey: z.string().min(16, "must be at least 16 characters").optional(),
  /** Where alerts and scheduled reports are delivered: SMTP and/or webhooks (docs/alerts.md). */
  notify: NotifyConfig,
  /** Scheduled reports and their prices (docs/reports.md). */
  reports: ReportsConfig.optional(),
  /** Built-in alert rules and their thresholds (docs/alerts.md). */
  alerts: AlertsConfig,
  /** How the payment-risk model is trained (`regua score`, `schedule.score`; docs/payment-behaviour.md). */
  score: ScoreConfig.optional(),
  /** The WhatsApp self-service bot (docs/bot.md); absent: no bot, inbound messages act on dunning only. */
  bot: BotConfig.optional(),
  /** The operator console at /console (docs/console.md). */
  console: ConsoleConfig,
  defaultRegion: z.string().length(2).default("BR"),
  log: z
    .strictObject({ level: z.enum(["debug", "info", "warn", "error"]).default("info") })
    .default({ level: "info" }),
});

export type RunnerConfigInput = z.input<typeof RunnerConfigSchema>;
export type ParsedConfig = z.output<typeof RunnerConfigSchema>;

export interface RunnerConfig extends Omit<ParsedConfig, "secretKey"> {
  /** Absolute path of the file it came from (or "<memory>"). */
  file: string;
  /** Key for the store's encrypted state. */
  secretKey: string;
  /** Set when the key was generated beside the SQLite file on this load. */
  secretKeyGeneratedAt: string | null;
  /** Where a field came from: "regua.yaml:12:5", for plugin option errors. */
  locate(fieldPath: readonly PropertyKey[]): string;
}

type Env = Record<string, string | undefined>;

export function formatPath(fieldPath: readonly PropertyKey[]): string {
  return fieldPath
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** Replaces every `{ env: NAME }` object by the variable's value; a missing one is an error. */
function resolveSecrets(
  value: unknown,
  env: Env,
  at: PropertyKey[],
  fail: (p: PropertyKey[], m: string) => never,
): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, env, [...at, i], fail));
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0]?.[0] === "env") {
    const name = entries[0][1];
    if (typeof name !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      return fail([...at, "env"], "must name an environment variable");
    }
    const resolved = env[name];
    if (resolved === undefined || resolved === "") {
      return fail(at, `environment variable ${name} is not set`);
    }
    return resolved;
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveSecrets(v, env, [...at, k], fail)]));
}

export interface LoadOptions {
  env?: Env;
  /** Display name for errors; defaults to the path relative to cwd. */
  displayName?: string;
}

/** Parses config text; relative paths resolve against `baseDir`. */
export function parseConfig(text: string, file: string, options: LoadOptions = {}): RunnerConfig {
  const env = options.env ?? process.env;
  const shown =
    options.displayName ?? (path.isAbsolute(file) ? path.relative(process.cwd(), file) || file : file);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });

  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    const pos = lineCounter.linePos(first.pos[0]);
    throw new ConfigError(`${shown}:${pos.line}:${pos.col} invalid YAML: ${first.message.split("\n")[0]}`, {
      where: `${shown}:${pos.line}:${pos.col}`,
    });
  }

  const locate = (fieldPath: readonly PropertyKey[]): string => {
    // Walk up to the deepest node that exists (a missing field points at its parent).
    for (let n = fieldPath.length; n >= 0; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(fieldPath.slice(0, n) as unknown[], true);
      if ((isScalar(node) || isMap(node) || isSeq(node)) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return `${shown}:${pos.line}:${pos.col}`;
      }
    }
    return `${shown}:1:1`;
  };
  const fail = (fieldPath: PropertyKey[], message: string): never => {
    const where = locate(fieldPath);
    throw new ConfigError(`${where} ${formatPath(fieldPath) || "(root)"}: ${message}`, { where });
  };

  const raw: unknown = doc.toJS();
  if (typeof raw !== "object" || raw === null || Array.isArray(raw))
    fail([], "the config must be a YAML mapping");
  const resolved = resolveSecrets(raw, env, [], fail);
  const parsed = RunnerConfigSchema.safeParse(resolved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const where = locate(issue.path);
      return `${where} ${formatPath(issue.path) || "(root)"}: ${issue.message}`;
    });
    throw new ConfigError(lines.join("\n"), { where: locate(parsed.error.issues[0]?.path ?? []) });
  }

  const baseDir = path.dirname(path.resolve(file));
  const config = parsed.data;
  const store =
    "sqlite" in config.store && config.store.sqlite !== ":memory:"
      ? { sqlite: path.resolve(baseDir, config.store.sqlite) }
      : config.store;
  const key = resolveSecretKey(config.secretKey, store, () =>
    fail(["secretKey"], "is required with a postgres store"),
  );
  return {
    ...config,
    store,
    policy: path.resolve(baseDir, config.policy),
    file: path.resolve(file),
    secretKey: key.value,
    secretKeyGeneratedAt: key.generatedAt,
    locate,
  };
}

/**
 * The store encrypts plugin state (OAuth tokens, sessions) with this key. A SQLite store without
 * one gets a random key in a file beside the database, readable only by its owner (mode 0600),
 * so a first run needs no setup; PostgreSQL replicas must share one, so there it is required.
 */
function resolveSecretKey(
  configured: string | undefined,
  store: ParsedConfig["store"],
  missing: () => never,
): { value: string; generatedAt: string | null } {
  if (configured) return { value: configured, generatedAt: null };
  if (!("sqlite" in store)) return missing();
  if (store.sqlite === ":memory:") return { value: randomBytes(32).toString("hex"), generatedAt: null };
  const keyFile = `${store.sqlite}.key`;
  if (existsSync(keyFile)) return { value: readFileSync(keyFile, "utf8").trim(), generatedAt: null };
  writeFileSync(keyFile, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  return { value: readFileSync(keyFile, "utf8").trim(), generatedAt: keyFile };
}

export function loadConfig(file: string, options: LoadOptions = {}): RunnerConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `${file}: config file not found (run \`regua init\` to create one)`
        : `${file}: ${code}`,
      { where: file, cause: error },
    );
  }
  return parseConfig(text, file, { ...options, env: options.env ?? withEnvFile(file) });
}

/**
 * Variables from a `.env` beside the config (where `regua init` writes the admin token), under
 * the process environment: a variable set in the environment always wins.
 */
function withEnvFile(configFile: string): Env {
  const envFile = path.join(path.dirname(path.resolve(configFile)), ".env");
  if (!existsSync(envFile)) return process.env;
  return { ...parseEnv(readFileSync(envFile, "utf8")), ...process.env };
}
