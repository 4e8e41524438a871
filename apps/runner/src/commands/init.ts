import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import {
  CHANNEL_TEMPLATES,
  type ChannelKind,
  ERP_TEMPLATES,
  type ErpKind,
  type PluginTemplate,
} from "./init-templates.js";
import { CommandFailed, type Io } from "./shared.js";

export { CHANNEL_KINDS, ERP_KINDS } from "./init-templates.js";
export type { ChannelKind, ErpKind };

export interface InitOptions {
  dir: string;
  erp: ErpKind;
  channel: ChannelKind;
}

function envLines(plugins: PluginTemplate[]): string {
  const names = [...new Set(plugins.flatMap((p) => p.env))];
  return names.length > 0 ? `# Set before \`regua check\`: ${names.join(", ")}\n` : "";
}

/** The commented config `regua init` writes for one ERP and one channel. */
export function configTemplate(
  options: { erp: ErpKind; channel: ChannelKind } = { erp: "rest", channel: "whatsapp" },
): string {
  const source = ERP_TEMPLATES[options.erp]();
  const channel = CHANNEL_TEMPLATES[options.channel]();
  return `# régua runner config. Reference: docs/configuration.md in the régua repository.
# Secrets are written as { env: NAME } and read from the environment at start.
${envLines([source, channel])}
# SQLite for one runner. Several runners: store: { postgres: postgres://… } and also
# secretKey: { env: REGUA_SECRET_KEY } (SQLite generates one beside the database).
store:
  sqlite: ./regua.db

# Where invoices come from (${source.packageName}).
sources:
${source.yaml}
# How customers are reached (${channel.packageName}); the policy's steps name this id.
channels:
${channel.yaml}
policy: ./policy.yaml

# Cron lines in the server's time zone; the policy's send window still applies to messages.
schedule:
  sync: "*/15 * * * *"
  dispatch: "*/5 8-19 * * 1-5"
  writeBack: "*/10 * * * *"

# The admin API, the dashboard and /healthz detail need this bearer token; \`regua init\`
# generated one into .env beside this file (variables in the environment win over .env).
server:
  port: 8080
  host: 127.0.0.1
  adminToken: { env: REGUA_ADMIN_TOKEN }

# Region for phone numbers written without a country code.
defaultRegion: BR
`;
}

export function initCommand(options: InitOptions, io: Io): void {
  const files = [
    { file: path.resolve(options.dir, "regua.yaml"), text: configTemplate(options) },
    { file: path.resolve(options.dir, "policy.yaml"), text: SAMPLE_POLICY_YAML },
  ];
  const existing = files.filter((f) => existsSync(f.file)).map((f) => f.file);
  if (existing.length > 0) {
    throw new CommandFailed(`refusing to overwrite ${existing.join(", ")} (move them away first)`);
  }
  for (const f of files) {
    writeFileSync(f.file, f.text, { flag: "wx" });
    const relative = path.relative(process.cwd(), f.file);
    io.out(`wrote ${relative.startsWith("..") ? f.file : relative}`);
  }
  const plugins = [ERP_TEMPLATES[options.erp](), CHANNEL_TEMPLATES[options.channel]()].map(
    (p) => p.packageName,
  );
  io.out(`install the plugins beside the runner: npm install -g ${plugins.join(" ")}`);
  io.out(writeAdminToken(path.resolve(options.dir, ".env")));
  io.out("next: edit regua.yaml (the connector options and channel ids), then run `regua check`");
}

/**
 * A random admin token in .env (mode 0600), so `regua serve` starts closed without a manual
 * step. An existing .env is kept; the token is appended only when it has none.
 */
function writeAdminToken(envFile: string): string {
  const line = `REGUA_ADMIN_TOKEN=${randomBytes(32).toString("base64url")}\n`;
  if (!existsSync(envFile)) {
    writeFileSync(envFile, `# régua secrets; keep this file out of version control.\n${line}`, {
      mode: 0o600,
      flag: "wx",
    });
    return `wrote ${path.relative(process.cwd(), envFile) || envFile} (admin token)`;
  }
  if (/^REGUA_ADMIN_TOKEN=/m.test(readFileSync(envFile, "utf8")))
    return `kept REGUA_ADMIN_TOKEN in ${envFile}`;
  appendFileSync(envFile, line);
  return `added REGUA_ADMIN_TOKEN to ${envFile}`;
}
