import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseEnv } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CHANNEL_KINDS, ERP_KINDS, initCommand } from "../src/commands/init.js";
import { CHANNEL_TEMPLATES, ERP_TEMPLATES } from "../src/commands/init-templates.js";
import { parseConfig } from "../src/config.js";
import { resolveDefinitions } from "../src/plugins.js";

const root = mkdtempSync(path.join(tmpdir(), "regua-init-kinds-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every secret an entry reads, set to a value its options schema accepts. */
function envFor(erp: (typeof ERP_KINDS)[number], channel: (typeof CHANNEL_KINDS)[number]) {
  const names = [...ERP_TEMPLATES[erp]().env, ...CHANNEL_TEMPLATES[channel]().env];
  return Object.fromEntries(names.map((name) => [name, `${name.toLowerCase()}-value-for-test`]));
}

describe("regua init --erp --channel", () => {
  for (const erp of ERP_KINDS) {
    for (const channel of CHANNEL_KINDS) {
      it(`${erp} + ${channel}: writes a commented config the loader parses`, async () => {
        const dir = path.join(root, `${erp}-${channel}`);
        const out: string[] = [];
        const target = mkdtempSync(`${dir}-`);
        initCommand({ dir: target, erp, channel }, { out: (s) => out.push(s), err: () => {}, isTTY: false });
        const file = path.join(target, "regua.yaml");
        const text = readFileSync(file, "utf8");
        expect(text).toMatch(/^# /m);
        // The admin token comes from the .env init wrote beside the config.
        const dotenv = parseEnv(readFileSync(path.join(target, ".env"), "utf8"));
        const config = parseConfig(text, file, { env: { ...envFor(erp, channel), ...dotenv } });
        expect(config.server.adminToken?.length).toBeGreaterThanOrEqual(40);
        const source = ERP_TEMPLATES[erp]();
        const sink = CHANNEL_TEMPLATES[channel]();
        expect(config.sources.map((s) => s.connector)).toEqual([source.packageName]);
        expect(config.channels.map((c) => c.channel)).toEqual([sink.packageName]);
        // The policy's steps send through "wa": every channel entry keeps that id.
        expect(config.channels[0]?.id).toBe("wa");
        for (const plugin of [source, sink]) {
          expect(text).toContain(`npm install -g ${plugin.packageName}`);
        }
        expect(out).toContain(
          `install the plugins beside the runner: npm install -g ${source.packageName} ${sink.packageName}`,
        );
        // Every plugin's own options schema accepts what init wrote (the REST preset included).
        const resolved = await resolveDefinitions(config);
        expect(resolved.sources).toHaveLength(1);
        expect(resolved.channels).toHaveLength(1);
      });
    }
  }

  it("spells out each vendor's options", () => {
    const options = (text: string) =>
      (parse(text.replace(/^ {2}/gm, "")) as { options: Record<string, unknown> }[])[0]?.options ?? {};
    expect(Object.keys(options(ERP_TEMPLATES["sap-b1"]().yaml))).toEqual(
      expect.arrayContaining(["baseUrl", "version", "companyDb", "user", "password"]),
    );
    expect(options(ERP_TEMPLATES.quickbooks().yaml)).toMatchObject({
      clientId: { env: "QBO_CLIENT_ID" },
      clientSecret: { env: "QBO_CLIENT_SECRET" },
      environment: "sandbox",
    });
    expect(ERP_TEMPLATES.quickbooks().yaml).toContain("regua auth quickbooks");
    expect(options(ERP_TEMPLATES.odoo().yaml)).toMatchObject({
      apiKey: { env: "ODOO_API_KEY" },
      protocol: "auto",
    });
    expect(Object.keys(options(ERP_TEMPLATES.ixc().yaml))).toEqual(["baseUrl", "userId", "token"]);
    expect(options(CHANNEL_TEMPLATES.whatsapp().yaml)).toMatchObject({
      token: { env: "WA_TOKEN" },
      appSecret: { env: "WA_APP_SECRET" },
      verifyToken: { env: "WA_VERIFY_TOKEN" },
    });
    expect(Object.keys(options(CHANNEL_TEMPLATES.opa().yaml))).toEqual(["baseUrl", "token", "channelId"]);
  });
});
