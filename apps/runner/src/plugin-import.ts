import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { resolve as resolveEsm } from "import-meta-resolve";

/** Imports a plugin module by the name or path written in config. */
export type Importer = (specifier: string) => Promise<unknown>;

/** A plugin written as a path: `./connectors/acme`, `../billing/dist/index.js`, `/opt/acme`. */
export function isPathSpecifier(specifier: string): boolean {
  return specifier.startsWith("./") || specifier.startsWith("../") || path.isAbsolute(specifier);
}

/**
 * The module a local path points at: a file as is, or a package folder through its own
 * package.json (`exports["."]`, else `main`), resolved the way Node resolves the package by name.
 */
function localModuleUrl(specifier: string, baseDir: string): string {
  const target = path.resolve(baseDir, specifier);
  if (!existsSync(target)) {
    throw Object.assign(new Error(`no file or folder at ${target}`), { code: "ERR_MODULE_NOT_FOUND" });
  }
  if (!statSync(target).isDirectory()) return pathToFileURL(target).href;
  const manifestPath = path.join(target, "package.json");
  if (!existsSync(manifestPath)) {
    throw Object.assign(new Error(`${target} is a folder without package.json`), {
      code: "ERR_MODULE_NOT_FOUND",
    });
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as { name?: string; main?: string };
  if (manifest.name) {
    try {
      // Self-reference: the package resolves its own name through its `exports`.
      return resolveEsm(manifest.name, pathToFileURL(manifestPath).href);
    } catch {
      // no `exports`: fall through to `main`
    }
  }
  return pathToFileURL(path.join(target, manifest.main ?? "index.js")).href;
}

const notFound = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
};

/**
 * Plugins are looked up where the user installed them, not only beside the runner: from the
 * config file's folder, then the working directory, then the runner's own installation (a
 * global `npm i -g @regua/runner @regua/connector-odoo` puts both side by side). Paths load an
 * in-house connector from disk.
 */
export function pluginImporter(baseDir: string, cwd: string = process.cwd()): Importer {
  return async (specifier) => {
    if (isPathSpecifier(specifier)) return import(localModuleUrl(specifier, baseDir));
    for (const dir of [baseDir, cwd]) {
      let url: string;
      try {
        url = resolveEsm(specifier, pathToFileURL(path.join(dir, "regua.config.js")).href);
      } catch (error) {
        if (notFound(error)) continue;
        throw error;
      }
      return import(url);
    }
    return import(specifier);
  };
}

/** The one-line hint for a plugin that is not installed. */
export function installHint(specifier: string): string {
  if (isPathSpecifier(specifier)) return `local plugin ${specifier} was not found`;
  return `package ${specifier} is not installed (npm install ${specifier}, or npm install -g ${specifier} beside a global runner)`;
}
