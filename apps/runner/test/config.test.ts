import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { defineConnector, isReguaError } from "@regua/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig, parseConfig } from "../src/config.js";
import { resolveDefinitions } from "../src/plugins.js";

const BASE = `store: { sqlite: ./regua.db }
secretKey: { env: REGUA_SECRET_KEY }
sources:
  - id: erp
    connector: "@regua/connector-rest"
    options:
      baseUrl: http://127.0.0.1:1
      token: { env: ERP_TOKEN }
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "123" }
policy: ./policy.yaml
schedule: { sync: "*/15 * * * *", dispatch: "*/5 8-19 * * 1-5" }
`;
const ENV = { REGUA_SECRET_KEY: "0123456789abcdef0123", ERP_TOKEN: "t0k3n" };

function expectConfigError(fn: () => unknown, ...fragments: string[]): string {
  try {
    fn();
  } catch (error) {
    expect(isReguaError(error) && error.code).toBe("CONFIG");
    const message = (error as Error).message;
    for (const f of fragments) expect(message).toContain(f);
    return message;
  }
  throw new Error("expected a ConfigError");
}

describe("config", () => {
  it("loads a valid config, resolves env secrets and relative paths", () => {
    const config = parseConfig(BASE, "/etc/regua/regua.yaml", { env: ENV });
    expect(config.sources[0]?.options.token).toBe("t0k3n");
    expect(config.secretKey).toBe(ENV.REGUA_SECRET_KEY);
    expect(config.store).toEqual({ sqlite: "/etc/regua/regua.db" });
    expect(config.policy).toBe("/etc/regua/policy.yaml");
    expect(config.server).toEqual({ port: 8080, host: "127.0.0.1", limits: {} });
    expect(config.retention).toEqual({ webhookDays: 90 });
  });

  it("names file:line:column for malformed YAML", () => {
    const text = BASE.replace("policy: ./policy.yaml", "policy: [unclosed");
    expectConfigError(() => parseConfig(text, "regua.yaml", { env: ENV }), "regua.yaml:14:1", "invalid YAML");
  });

  it("names line and field path for a wrong type", () => {
    const text = `${BASE}server: { port: "eighty" }\n`;
    expectConfigError(() => parseConfig(text, "regua.yaml", { env: ENV }), "regua.yaml:15:17", "server.port");
  });

  it("names the field and the variable when an env secret is missing", () => {
    const env = { REGUA_SECRET_KEY: ENV.REGUA_SECRET_KEY };
    expectConfigError(
      () => parseConfig(BASE, "regua.yaml", { env }),
      "regua.yaml:8:14",
      "sources[0].options.token",
      "ERP_TOKEN is not set",
    );
  });

  it("rejects a bad cron line at its line", () => {
    const text = BASE.replace('sync: "*/15 * * * *"', 'sync: "every hour"');
    expectConfigError(
      () => parseConfig(text, "regua.yaml", { env: ENV }),
      "regua.yaml:14:",
      "schedule.sync",
      "cron",
    );
  });

  it("rejects unknown keys (typos) with their path", () => {
    expectConfigError(() => parseConfig(`${BASE}polcy: x\n`, "regua.yaml", { env: ENV }), "polcy");
  });

  it("says when the file is missing", () => {
    expectConfigError(() => loadConfig("/nonexistent/regua.yaml"), "config file not found");
  });

  it("generates a 0600 key file beside a SQLite db when no secretKey is set", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-cfg-"));
    const file = path.join(dir, "regua.yaml");
    writeFileSync(file, BASE.replace("secretKey: { env: REGUA_SECRET_KEY }\n", ""));
    const first = loadConfig(file, { env: ENV });
    expect(first.secretKeyGeneratedAt).toBe(path.join(dir, "regua.db.key"));
    expect(statSync(path.join(dir, "regua.db.key")).mode & 0o777).toBe(0o600);
    const second = loadConfig(file, { env: ENV });
    expect(second.secretKeyGeneratedAt).toBeNull();
    expect(second.secretKey).toBe(first.secretKey);
    expect(readFileSync(path.join(dir, "regua.db.key"), "utf8").trim()).toBe(first.secretKey);
  });

  it("requires a secretKey with postgres", () => {
    const text = BASE.replace(
      "store: { sqlite: ./regua.db }",
      "store: { postgres: { env: PG_URL } }",
    ).replace("secretKey: { env: REGUA_SECRET_KEY }\n", "");
    expectConfigError(
      () => parseConfig(text, "regua.yaml", { env: { ...ENV, PG_URL: "postgres://x" } }),
      "secretKey",
      "postgres",
    );
  });
});

describe("plugins", () => {
  const fake = defineConnector({
    id: "@acme/connector-fake",
    displayName: "Fake",
    capabilities: { payments: false, getInvoice: false, writeActivity: false, webhooks: false },
    optionsSchema: z.object({ baseUrl: z.url(), token: z.string(), pageSize: z.number().int().default(100) }),
    create: () => {
      throw new Error("not used");
    },
  });
  const fakeChannel = {
    ...fake,
    id: "@acme/channel-fake",
    optionsSchema: z.object({ phoneNumberId: z.string() }),
  };
  const importer = async (name: string) => {
    if (name === "@acme/connector-fake") return { default: fake };
    if (name === "@acme/channel-fake") return { default: fakeChannel };
    if (name === "@acme/not-a-plugin") return { default: { hello: 1 } };
    const error = new Error(`Cannot find package '${name}'`) as NodeJS.ErrnoException;
    error.code = "ERR_MODULE_NOT_FOUND";
    throw error;
  };
  const withPackages = (
    connector: string,
    channel = "@acme/channel-fake",
    options = "{ baseUrl: http://x.test, token: t }",
  ) =>
    parseConfig(
      BASE.replace('"@regua/connector-rest"', `"${connector}"`)
        .replace('"@regua/channel-whatsapp"', `"${channel}"`)
        .replace(/options:\n {6}baseUrl: .*\n {6}token: .*\n/, `options: ${options}\n`),
      "regua.yaml",
      { env: ENV },
    );

  it("validates options with the plugin's schema", async () => {
    const resolved = await resolveDefinitions(withPackages("@acme/connector-fake"), importer);
    expect(resolved.sources[0]?.options).toEqual({ baseUrl: "http://x.test", token: "t", pageSize: 100 });
  });

  it("names the unknown package and its config line", async () => {
    const config = withPackages("@acme/connector-missing");
    await expect(resolveDefinitions(config, importer)).rejects.toThrow(
      /regua\.yaml:5:16 sources\[0\]\.connector: package @acme\/connector-missing is not installed/,
    );
  });

  it("names an uninstalled package when importing for real", async () => {
    const config = withPackages("@regua/connector-does-not-exist");
    await expect(resolveDefinitions(config)).rejects.toThrow(
      /sources\[0\]\.connector: package @regua\/connector-does-not-exist is not installed/,
    );
  });

  it("loads the real REST connector by package name and validates its options", async () => {
    const config = parseConfig(BASE, "regua.yaml", { env: ENV });
    await expect(resolveDefinitions(config)).rejects.toThrow(
      /regua\.yaml:\d+:\d+ sources\[0\]\.options\.\S+: .*\(options of @regua\/connector-rest\)/,
    );
  });

  it("reports the option errors of every plugin in one go", async () => {
    const text = BASE.replace('"@regua/connector-rest"', '"@acme/connector-fake"')
      .replace('"@regua/channel-whatsapp"', '"@acme/channel-fake"')
      .replace(/options:\n {6}baseUrl: .*\n {6}token: .*\n/, "options: { baseUrl: nope, token: t }\n")
      .replace('options: { phoneNumberId: "123" }', "options: { phoneNumberId: 123 }");
    const config = parseConfig(text, "regua.yaml", { env: ENV });
    const error = await resolveDefinitions(config, importer).catch((e: Error) => e);
    expect(String(error)).toMatch(/sources\[0\]\.options\.baseUrl/);
    expect(String(error)).toMatch(
      /regua\.yaml:10:\d+ channels\[0\]\.options\.phoneNumberId: .*\(options of @acme\/channel-fake\)/,
    );
  });

  it("rejects a package whose default export is not a definition", async () => {
    await expect(resolveDefinitions(withPackages("@acme/not-a-plugin"), importer)).rejects.toThrow(
      /not-a-plugin.*plugin definition/,
    );
  });

  it("names sources[i].options.field and the package on a bad option", async () => {
    const config = withPackages(
      "@acme/connector-fake",
      "@acme/channel-fake",
      "{ baseUrl: not-a-url, token: t }",
    );
    await expect(resolveDefinitions(config, importer)).rejects.toThrow(
      /regua\.yaml:6:\d+ sources\[0\]\.options\.baseUrl: .*\(options of @acme\/connector-fake\)/,
    );
  });
});
