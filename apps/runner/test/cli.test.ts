import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../src/program.js";

/** Runs the CLI in-process and captures what it prints. */
async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("cli arguments", () => {
  it("exits 2 with a message on an unknown command", async () => {
    const r = await run("sned");
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'sned'");
  });

  it("exits 2 when --limit is not a positive integer", async () => {
    const r = await run("dispatch", "--limit", "-3");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--limit");
    expect(r.err).toContain("positive integer");
  });

  it("exits 2 on a date that is not YYYY-MM-DD, and when --from is after --to", async () => {
    const bad = await run("simulate", "--from", "01/03/2026", "--to", "2026-03-31");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("YYYY-MM-DD");
    const reversed = await run("simulate", "--from", "2026-04-01", "--to", "2026-03-01");
    expect(reversed.code).toBe(2);
    expect(reversed.err).toContain("after --to");
  });

  it("exits 2 on a missing required option and on a bad --erp choice", async () => {
    expect((await run("simulate", "--from", "2026-03-01")).code).toBe(2);
    const erp = await run("demo", "--erp", "oracle");
    expect(erp.code).toBe(2);
    expect(erp.err).toContain("Allowed choices are rest, sap-b1");
  });

  it("exits 1 naming the file when the config is missing", async () => {
    const r = await run("--config", "/nonexistent/regua.yaml", "report");
    expect(r.code).toBe(1);
    expect(r.err).toContain("/nonexistent/regua.yaml: config file not found");
  });

  it("exits 1 and names file:line for a config error", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-cli-"));
    writeFileSync(path.join(dir, "regua.yaml"), "store: { sqlite: ./x.db }\nsources: 7\n");
    const r = await run("--config", path.join(dir, "regua.yaml"), "check");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/regua\.yaml:2:\d+ sources:/);
  });

  it("init writes config + policy once and refuses to overwrite", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "regua-init-"));
    const first = await run("init", "--dir", dir);
    expect(first.code, first.err).toBe(0);
    expect(existsSync(path.join(dir, "policy.yaml"))).toBe(true);
    expect(readFileSync(path.join(dir, "regua.yaml"), "utf8")).toContain("policy: ./policy.yaml");
    const again = await run("init", "--dir", dir);
    expect(again.code).toBe(1);
    expect(again.err).toContain("refusing to overwrite");
  });
});

describe("built binary", () => {
  const cli = path.resolve(import.meta.dirname, "../dist/cli.js");
  it.runIf(existsSync(cli))("has a shebang and exits 2 on a bad argument", () => {
    expect(readFileSync(cli, "utf8").startsWith("#!/usr/bin/env node")).toBe(true);
    const r = spawnSync(process.execPath, [cli, "plan", "--limit", "zero"], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("--limit");
  });
});
