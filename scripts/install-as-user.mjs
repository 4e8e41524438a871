#!/usr/bin/env node
// Installs régua the way a user does, outside the workspace, and runs it (part of .ci/run).
//
// 1. `pnpm pack` every publishable package (workspace:^ becomes a real version range).
// 2. In an empty folder: `npm install` the runner and the SAP B1 connector from those tarballs
//    (npm overrides point every @regua/* at its tarball, as the registry would after a release).
// 3. `regua --help`, `regua init --erp sap-b1`, `regua check` (must fail, naming the unreachable
//    Service Layer), report the installed size (goal: runner + one connector under 40 MB).
// 4. Add the WhatsApp channel and @regua/demo the same way, then `regua demo` must finish.
// 5. As a new integrator: `regua new connector acme`, then `npm install`, `npm run typecheck` and
//    `npm test` in the new package (its conformance suites against its own fake) must pass.
//
// Usage (after `pnpm build`, from the repository root): node scripts/install-as-user.mjs [--keep]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const SIZE_GOAL_MB = 40;
const keep = process.argv.includes("--keep");
const work = mkdtempSync(path.join(tmpdir(), "regua-user-"));
const tarballs = path.join(work, "tarballs");
const app = path.join(work, "app");
const failures = [];

const say = (text) => console.log(`install-as-user: ${text}`);
function check(ok, what) {
  say(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
}

/** Publishable workspace packages: name → folder. */
function publishable() {
  const out = execFileSync("pnpm", ["ls", "-r", "--depth", "-1", "--json"], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out)
    .filter((p) => p.name?.startsWith("@regua/") && !p.private)
    .map((p) => ({ name: p.name, dir: p.path }));
}

function pack(packages) {
  mkdirSync(tarballs, { recursive: true });
  const files = {};
  for (const p of packages) {
    execFileSync("pnpm", ["pack", "--pack-destination", tarballs], { cwd: p.dir, stdio: "ignore" });
    const manifest = JSON.parse(readFileSync(path.join(p.dir, "package.json"), "utf8"));
    const file = `${p.name.slice(1).replace("/", "-")}-${manifest.version}.tgz`;
    files[p.name] = `file:${path.join(tarballs, file)}`;
  }
  return files;
}

function npmInstall(names, files) {
  const manifestPath = path.join(app, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const name of names) manifest.dependencies[name] = files[name];
  manifest.overrides = files;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  const started = performance.now();
  const result = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: app,
    encoding: "utf8",
  });
  if (result.status !== 0) process.stderr.write(result.stdout + result.stderr);
  check(
    result.status === 0,
    `npm install ${names.join(" ")} (${((performance.now() - started) / 1000).toFixed(0)} s)`,
  );
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: "utf8", timeout: 600_000 });
  if (result.status !== 0) process.stderr.write(`${result.stdout}${result.stderr}`);
  return result.status === 0;
}

/** The scaffold installs @regua/* from the tarballs (as from the registry after a release). */
function scaffoldConnector(files) {
  const dir = path.join(work, "acme");
  const made = regua(["new", "connector", "acme", "--dir", dir]);
  check(made.code === 0 && made.out.includes("npm install && npm test"), "regua new connector acme");
  const manifestPath = path.join(dir, "package.json");
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  for (const field of ["dependencies", "devDependencies"]) {
    for (const name of Object.keys(manifest[field])) if (files[name]) manifest[field][name] = files[name];
  }
  manifest.overrides = files;
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  check(
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], dir),
    "npm install in the new connector",
  );
  check(run("npm", ["run", "--silent", "typecheck"], dir), "npm run typecheck in the new connector");
  check(
    run("npm", ["test", "--silent"], dir),
    "npm test in the new connector (conformance against its fake)",
  );
}

function regua(args, env = {}) {
  const bin = path.join(app, "node_modules", ".bin", "regua");
  const result = spawnSync(bin, args, {
    cwd: app,
    encoding: "utf8",
    env: { ...process.env, ...env },
    timeout: 300_000,
  });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

function sizeOf(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) bytes += sizeOf(p);
    else if (entry.isFile()) bytes += statSync(p).size;
  }
  return bytes;
}

try {
  const files = pack(publishable());
  say(`packed ${Object.keys(files).length} packages into ${tarballs}`);
  mkdirSync(app);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ private: true, dependencies: {} }));
  npmInstall(["@regua/runner", "@regua/connector-sap-b1"], files);

  const mb = sizeOf(path.join(app, "node_modules")) / 1024 / 1024;
  say(
    `installed size, runner + @regua/connector-sap-b1: ${mb.toFixed(1)} MB (goal ≤ ${SIZE_GOAL_MB} MB) ${mb <= SIZE_GOAL_MB ? "ok" : "MISSED"}`,
  );
  const installed = readdirSync(path.join(app, "node_modules", "@regua"));
  check(
    !installed.some((n) => n === "test-fixtures" || n === "demo" || n === "connector-rest"),
    `no fakes or unused connectors installed (@regua/${installed.join(", @regua/")})`,
  );

  const help = regua(["--help"]);
  check(help.code === 0 && help.out.includes("demo"), "regua --help");
  const init = regua(["init", "--erp", "sap-b1"]);
  check(init.code === 0 && init.out.includes("wrote regua.yaml"), "regua init --erp sap-b1");

  npmInstall(["@regua/channel-whatsapp"], files);
  const env = { SAP_B1_PASSWORD: "x", WA_TOKEN: "x", WA_APP_SECRET: "x", WA_VERIFY_TOKEN: "x" };
  const doctor = regua(["check"], env);
  const unreachable = /sap\.example\.com|ENOTFOUND|unreachable|could not reach/i.test(doctor.out);
  if (doctor.code === 0 || !unreachable) process.stderr.write(doctor.out);
  check(doctor.code !== 0 && unreachable, "regua check fails naming the unreachable Service Layer");

  const noDemo = regua(["demo"]);
  check(
    noDemo.code !== 0 && noDemo.out.includes("npm install -g @regua/demo"),
    "regua demo without @regua/demo says what to install",
  );
  npmInstall(["@regua/demo"], files);
  const demo = regua(["demo"]);
  if (demo.code !== 0) process.stderr.write(demo.out);
  check(demo.code === 0 && demo.out.includes("Demo finished"), "regua demo with @regua/demo installed");

  scaffoldConnector(files);
} finally {
  if (keep) say(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}

if (failures.length > 0) {
  console.error(`install-as-user: FAILED (${failures.length}): ${failures.join("; ")}`);
  process.exit(1);
}
say("ok");
