import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { CommandFailed, type Io } from "./shared.js";

export const CONFIG_TEMPLATE = `# régua runner config. Secrets are written as { env: NAME } and read at start.
store: { sqlite: ./regua.db }            # or { postgres: { env: REGUA_PG_URL } }
# secretKey: { env: REGUA_SECRET_KEY }   # without it, a key file is generated beside the SQLite db
sources:
  - id: erp
    connector: "@regua/connector-rest"
    options:
      baseUrl: https://erp.example.com/api
      token: { env: ERP_TOKEN }
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options:
      phoneNumberId: "1234567890"
      token: { env: WA_TOKEN }
      appSecret: { env: WA_APP_SECRET }
      verifyToken: { env: WA_VERIFY_TOKEN }
policy: ./policy.yaml
schedule:
  sync: "*/15 * * * *"
  dispatch: "*/5 8-19 * * 1-5"
  writeBack: "*/10 * * * *"
server: { port: 8080, host: 127.0.0.1 }
defaultRegion: BR
`;

export function initCommand(options: { dir: string }, io: Io): void {
  const files = [
    { file: path.resolve(options.dir, "regua.yaml"), text: CONFIG_TEMPLATE },
    { file: path.resolve(options.dir, "policy.yaml"), text: SAMPLE_POLICY_YAML },
  ];
  const existing = files.filter((f) => existsSync(f.file)).map((f) => f.file);
  if (existing.length > 0) {
    throw new CommandFailed(`refusing to overwrite ${existing.join(", ")} (move them away first)`);
  }
  for (const f of files) {
    writeFileSync(f.file, f.text, { flag: "wx" });
    io.out(`wrote ${path.relative(process.cwd(), f.file) || f.file}`);
  }
  io.out("next: edit regua.yaml (the connector options and channel ids), then run `regua check`");
}
