import { execFile } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { main } from "../src/program.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), "regua-new-connector-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function regua(args: string[]) {
  const out: string[] = [];
  const code = await main(args, { out: (s) => out.push(s), err: (s) => out.push(s), isTTY: false });
  return { code, out: out.join("\n") };
}

function allFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

const json = (file: string) =>
  JSON.parse(readFileSync(file, "utf8")) as Record<string, Record<string, string>>;

describe("regua new connector", () => {
  const dir = path.join(work, "zeta");

  it("writes a package named after the system, with no trace of the template's name", async () => {
    const { code, out } = await regua([
      "new",
      "connector",
      "my-zeta",
      "--dir",
      dir,
      "--display-name",
      "Zeta Gestão",
    ]);
    expect(code, out).toBe(0);
    expect(out).toContain("npm install && npm test");
    const manifest = json(path.join(dir, "package.json"));
    expect(manifest.name).toBe("regua-connector-my-zeta");
    const runner = json(path.join(ROOT, "apps/runner/package.json"));
    expect(manifest.dependencies?.["@regua/core"]).toBe(`^${runner.version}`);
    expect(manifest.devDependencies?.["@regua/testkit"]).toBe(`^${runner.version}`);
    const index = readFileSync(path.join(dir, "src/index.ts"), "utf8");
    expect(index).toContain('id: "regua-connector-my-zeta"');
    expect(index).toContain('displayName: "Zeta Gestão"');
    expect(index).toContain("MyZetaOptions");
    expect(existsSync(path.join(dir, "test/fake-my-zeta.ts"))).toBe(true);
    expect(existsSync(path.join(dir, ".gitignore"))).toBe(true);
    const leftovers = allFiles(dir).filter((f) => /acme/i.test(f) || /acme/i.test(readFileSync(f, "utf8")));
    expect(leftovers).toEqual([]);
  });

  it("never writes into a folder that has files, and refuses a name npm would refuse", async () => {
    const again = await regua(["new", "connector", "my-zeta", "--dir", dir]);
    expect(again.code).toBe(1);
    expect(again.out).toContain("not empty");
    const bad = await regua(["new", "connector", "My ERP", "--dir", path.join(work, "bad")]);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/<name> "My ERP": must be lower-case/);
    expect(existsSync(path.join(work, "bad"))).toBe(false);
  });

  it("pins the same tool versions as this repository, so the template is tested with what it ships", () => {
    const template = json(path.join(ROOT, "apps/runner/templates/connector/package.json.tmpl"));
    const rootManifest = json(path.join(ROOT, "package.json"));
    const core = json(path.join(ROOT, "packages/core/package.json"));
    for (const tool of ["vitest", "typescript", "@types/node"]) {
      expect(template.devDependencies?.[tool], tool).toBe(`^${rootManifest.devDependencies?.[tool]}`);
    }
    expect(template.dependencies?.zod).toBe(`^${core.dependencies?.zod}`);
  });

  // The scaffold type-checks and passes its own tests (unit + régua's conformance suites against
  // its fake). Dependencies are this workspace's packages, linked as npm would install them;
  // .ci/run's install-as-user check does the same with real `npm install` from packed tarballs.
  it("type-checks and passes its own tests", { timeout: 180_000 }, async () => {
    const modules = path.join(dir, "node_modules");
    const link = (name: string, target: string) => {
      mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
      symlinkSync(target, path.join(modules, name));
    };
    link("@regua/core", path.join(ROOT, "packages/core"));
    link("@regua/connector-kit", path.join(ROOT, "packages/connector-kit"));
    link("@regua/testkit", path.join(ROOT, "packages/testkit"));
    link("zod", path.join(ROOT, "packages/core/node_modules/zod"));
    for (const tool of ["vitest", "typescript", "@types/node"])
      link(tool, path.join(ROOT, "node_modules", tool));
    const run = promisify(execFile);
    const tsc = path.join(modules, "typescript/bin/tsc");
    await run(process.execPath, [tsc, "-p", "tsconfig.json", "--noEmit"], { cwd: dir });
    const report = path.join(work, "scaffold-report.json");
    const vitest = path.join(modules, "vitest/vitest.mjs");
    await run(process.execPath, [vitest, "run", "--reporter=json", `--outputFile=${report}`], { cwd: dir });
    const result = JSON.parse(readFileSync(report, "utf8")) as {
      numPassedTests: number;
      numFailedTests: number;
    };
    expect(result.numFailedTests).toBe(0);
    expect(result.numPassedTests).toBeGreaterThanOrEqual(20);
    writeFileSync(path.join(work, "done"), "");
  });
});
