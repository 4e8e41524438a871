import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { restErpPreset } from "@regua/connector-rest";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { stringify } from "yaml";
import { CommandFailed, type Io } from "./shared.js";

/**
 * The config `regua init` writes: the REST connector with its mapping for a typical Brazilian
 * ERP API (the connector's own preset, spelled out so it can be edited), and WhatsApp.
 */
export function configTemplate(): string {
  const preset = restErpPreset("https://erp.example.com", "ERP_TOKEN");
  const source = { ...preset, auth: { type: "bearer", token: { env: "ERP_TOKEN" } } };
  const body = stringify(
    {
      store: { sqlite: "./regua.db" },
      sources: [{ id: "erp", connector: "@regua/connector-rest", options: source }],
      channels: [
        {
          id: "wa",
          channel: "@regua/channel-whatsapp",
          options: {
            phoneNumberId: "1234567890",
            wabaId: "102290129340398",
            token: { env: "WA_TOKEN" },
            appSecret: { env: "WA_APP_SECRET" },
            verifyToken: { env: "WA_VERIFY_TOKEN" },
          },
        },
      ],
      policy: "./policy.yaml",
      schedule: { sync: "*/15 * * * *", dispatch: "*/5 8-19 * * 1-5", writeBack: "*/10 * * * *" },
      server: { port: 8080, host: "127.0.0.1" },
      defaultRegion: "BR",
    },
    { lineWidth: 110, aliasDuplicateObjects: false },
  );
  return `# régua runner config (https://github.com/regua-dev/regua/tree/main/apps/runner#config).
# Secrets are written as { env: NAME } and read from the environment at start.
# store: { postgres: { env: REGUA_PG_URL } } for several runners; then also set
# secretKey: { env: REGUA_SECRET_KEY } (SQLite generates one beside the database).
${body}`;
}

export function initCommand(options: { dir: string }, io: Io): void {
  const files = [
    { file: path.resolve(options.dir, "regua.yaml"), text: configTemplate() },
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
  io.out("next: edit regua.yaml (the connector options and channel ids), then run `regua check`");
}
