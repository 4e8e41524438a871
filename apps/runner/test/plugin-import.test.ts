import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseConfig } from "../src/config.js";
import { resolveDefinitions } from "../src/plugins.js";

/**
 * Plugins are found where the user installed them: a package in the config folder's
 * node_modules (which the runner itself cannot see), or an in-house connector by path.
 */
const root = mkdtempSync(path.join(tmpdir(), "regua-plugin-import-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A plugin module with no dependencies: a schema-like object that accepts any options. */
const definitionSource = (id: string) => `
const optionsSchema = { safeParse: (value) => ({ success: true, data: { ...value, loadedFrom: ${JSON.stringify(id)} } }) };
export default { id: ${JSON.stringify(id)}, optionsSchema, create: () => ({}) };
`;

function writePackage(dir: string, name: string, manifest: Record<string, unknown> = {}) {
  mkdirSync(path.join(dir, "dist"), { recursive: true });
  writeFileSync(
    path.join(dir, "package.json"),
    JSON.stringify({
      name,
      version: "1.0.0",
      type: "module",
      exports: { ".": { import: "./dist/index.js" } },
      ...manifest,
    }),
  );
  writeFileSync(path.join(dir, "dist", "index.js"), definitionSource(name));
}

function configIn(dir: string, connector: string, channel = "@acme/channel-beside") {
  const text = `store: { sqlite: ./regua.db }
secretKey: "0123456789abcdef0123"
sources: [{ id: erp, connector: "${connector}", options: {} }]
channels: [{ id: wa, channel: "${channel}", options: {} }]
policy: ./policy.yaml
schedule: { sync: "*/15 * * * *", dispatch: "*/5 8-19 * * 1-5" }
`;
  return parseConfig(text, path.join(dir, "regua.yaml"));
}

describe("plugins are loaded from the user's installation", () => {
  const project = path.join(root, "project");
  writePackage(path.join(project, "node_modules", "@acme", "connector-beside"), "@acme/connector-beside");
  writePackage(path.join(project, "node_modules", "@acme", "channel-beside"), "@acme/channel-beside");
  writePackage(path.join(project, "connectors", "acme"), "@acme/connector-in-house");
  writePackage(path.join(project, "connectors", "legacy"), "legacy-connector", {
    exports: undefined,
    main: "dist/index.js",
  });
  writeFileSync(path.join(project, "single-file.mjs"), definitionSource("single-file"));

  it("resolves a package installed beside the config file, not beside the runner", async () => {
    const resolved = await resolveDefinitions(configIn(project, "@acme/connector-beside"));
    expect(resolved.sources[0]?.options).toMatchObject({ loadedFrom: "@acme/connector-beside" });
    expect(resolved.channels[0]?.options).toMatchObject({ loadedFrom: "@acme/channel-beside" });
  });

  it("loads an in-house connector from a folder relative to the config (its package.json exports)", async () => {
    const resolved = await resolveDefinitions(configIn(project, "./connectors/acme"));
    expect(resolved.sources[0]).toMatchObject({
      packageName: "./connectors/acme",
      options: { loadedFrom: "@acme/connector-in-house" },
    });
  });

  it("falls back to `main` for a folder without exports, and loads a single file", async () => {
    const legacy = await resolveDefinitions(configIn(project, "./connectors/legacy"));
    expect(legacy.sources[0]?.options).toMatchObject({ loadedFrom: "legacy-connector" });
    const file = await resolveDefinitions(configIn(project, "./single-file.mjs"));
    expect(file.sources[0]?.options).toMatchObject({ loadedFrom: "single-file" });
  });

  it("names the missing path, and the npm command for a missing package", async () => {
    await expect(resolveDefinitions(configIn(project, "./connectors/nope"))).rejects.toThrow(
      /sources\[0\]\.connector: local plugin \.\/connectors\/nope was not found/,
    );
    await expect(resolveDefinitions(configIn(project, "@acme/connector-elsewhere"))).rejects.toThrow(
      /package @acme\/connector-elsewhere is not installed \(npm install @acme\/connector-elsewhere, or npm install -g @acme\/connector-elsewhere beside a global runner\)/,
    );
  });

  it("still finds the runner's own neighbours when the config folder has none", async () => {
    const empty = mkdtempSync(path.join(root, "empty-"));
    const config = configIn(empty, "@regua/connector-rest", "@regua/channel-whatsapp");
    // Found (in this workspace, beside the runner): the options fail the real schema, not the import.
    await expect(resolveDefinitions(config)).rejects.toThrow(/options of @regua\/connector-rest/);
  });
});
