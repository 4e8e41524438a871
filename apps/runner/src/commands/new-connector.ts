import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { CommandFailed, type Io, UsageError } from "./shared.js";

export interface NewConnectorOptions {
  dir?: string;
  /** The npm package name; default `regua-connector-<name>`. */
  package?: string;
  /** Shown in logs and `regua check`; default "<Name> ERP". */
  displayName?: string;
}

/** The template is a working connector for an imaginary "Acme ERP", renamed on copy. */
const TEMPLATE = fileURLToPath(new URL("../../templates/connector/", import.meta.url));

const Slug = z
  .string()
  .regex(
    /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/,
    "must be lower-case letters, digits and dashes, e.g. acme or my-erp",
  )
  .max(40);
// npm's rules for a package name (validate-npm-package-name, new packages): lower case, URL-safe, ≤ 214.
const PackageName = z
  .string()
  .max(214)
  .regex(/^(@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/, "must be a valid npm package name");

/** The names the template's "acme" becomes, in the order they are replaced (longest first). */
export function renames(name: string, options: NewConnectorOptions = {}): [string, string][] {
  const slug = parse(Slug, name, "<name>");
  const pascal = slug
    .split("-")
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join("");
  const packageName = parse(PackageName, options.package ?? `regua-connector-${slug}`, "--package");
  const displayName = options.displayName ?? `${pascal} ERP`;
  if (/["\\`$\n]/.test(displayName))
    throw new UsageError("--display-name: no quotes, backslashes or newlines");
  return [
    ["regua-connector-acme", packageName],
    ["Acme ERP", displayName],
    ["Acme", pascal],
    ["ACME", slug.toUpperCase().replaceAll("-", "_")],
    ["acme", slug],
  ];
}

function parse<T>(schema: z.ZodType<T>, value: string, what: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`${what} ${JSON.stringify(value)}: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

const apply = (text: string, pairs: readonly [string, string][]) =>
  pairs.reduce((out, [from, to]) => out.replaceAll(from, to), text);

/**
 * Files stored under another name in the runner package: npm drops a `.gitignore` from a tarball,
 * and a nested `package.json` would be linted and resolved as part of the runner itself.
 */
const STORED_AS: Record<string, string> = { gitignore: ".gitignore", "package.json.tmpl": "package.json" };

/** Every template file, relative to the template root. */
function templateFiles(dir = TEMPLATE, prefix = ""): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry);
    const relative = path.join(prefix, entry);
    return statSync(full).isDirectory() ? templateFiles(full, relative) : [relative];
  });
}

/** @regua/* at this runner's version, so the new package builds against the régua it runs with. */
function pinRegua(manifestText: string, version: string): string {
  const manifest = JSON.parse(manifestText) as Record<string, Record<string, string> | string>;
  for (const field of ["dependencies", "devDependencies"] as const) {
    const deps = manifest[field] as Record<string, string>;
    for (const name of Object.keys(deps)) if (name.startsWith("@regua/")) deps[name] = `^${version}`;
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function runnerVersion(): string {
  const own = fileURLToPath(new URL("../../package.json", import.meta.url));
  return z.object({ version: z.string() }).parse(JSON.parse(readFileSync(own, "utf8"))).version;
}

/**
 * `regua new connector <name>`: a package with the standard files (options, zod schemas, mapper,
 * client on the connector kit, write-back, a fake server, conformance tests) that installs and
 * passes its own tests out of the box. Never writes into a folder that has files.
 */
export function newConnectorCommand(name: string, options: NewConnectorOptions, io: Io): void {
  const pairs = renames(name, options);
  const slug = Slug.parse(name);
  const dir = path.resolve(options.dir ?? `regua-connector-${slug}`);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new CommandFailed(`refusing to write into ${dir}: it is not empty`);
  }
  const version = runnerVersion();
  for (const file of templateFiles()) {
    const target = path.join(dir, STORED_AS[file] ?? apply(file, pairs));
    let text = apply(readFileSync(path.join(TEMPLATE, file), "utf8"), pairs);
    if (file === "package.json.tmpl") text = pinRegua(text, version);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text, { flag: "wx" });
  }
  const shown = path.relative(process.cwd(), dir) || ".";
  io.out(`wrote ${pairs[0]![1]} into ${shown}`);
  io.out(`next: cd ${shown} && npm install && npm test`);
  io.out(`then: edit src/schemas.ts, src/map.ts and test/fake-${slug}.ts to speak your system's API`);
}
