import { randomBytes } from "node:crypto";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import type { PluginContext } from "@regua/core";
import { pluginContext } from "../context.js";
import { pluginImporter } from "../plugin-import.js";
import { resolveDefinitions } from "../plugins.js";
import { type GlobalOptions, type Io, type RuntimeOverrides, UsageError, withRuntime } from "./shared.js";

const QUICKBOOKS = "@regua/connector-quickbooks";
/** Intuit's OAuth 2.0 Playground redirect: registered on most apps, and it shows the code. */
export const QUICKBOOKS_REDIRECT = "https://developer.intuit.com/v2/OAuth2Playground/RedirectUrl";

/** What @regua/connector-quickbooks exports for this command (checked: it is loaded by name). */
interface QuickBooksAuth {
  authorizationUrl(options: unknown, redirectUri: string, state: string): string;
  connectQuickBooks(
    input: { options: unknown; redirectUri: string; state: string; redirectedTo: string },
    ctx: PluginContext,
  ): Promise<{ realmId: string; accessTokenExpiresAt: string }>;
}

function isQuickBooksAuth(mod: unknown): mod is QuickBooksAuth {
  const m = mod as Partial<Record<keyof QuickBooksAuth, unknown>> | null;
  return typeof m?.authorizationUrl === "function" && typeof m.connectQuickBooks === "function";
}

export interface AuthOptions {
  source?: string;
  redirectUri: string;
  /** Non-interactive: the address the browser was sent back to (with the matching --state). */
  redirectedTo?: string;
  state?: string;
}

async function ask(question: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await rl.question(question)).trim();
  } finally {
    rl.close();
  }
}

/**
 * `regua auth quickbooks`: the authorization-code exchange, once per company (Intuit OAuth 2.0).
 * Prints the authorize URL, takes the address the browser was redirected to, and stores the
 * token pair in the store's encrypted plugin state for that source, where it then rotates.
 */
export async function authCommand(
  global: GlobalOptions,
  erp: string,
  options: AuthOptions,
  io: Io,
  deps: RuntimeOverrides = {},
): Promise<void> {
  if (erp !== "quickbooks") throw new UsageError(`regua auth knows "quickbooks" only (got "${erp}")`);
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      const { sources } = await resolveDefinitions(rt.config, deps.importer);
      const candidates = sources.filter(
        (s) => s.packageName === QUICKBOOKS && (!options.source || s.id === options.source),
      );
      const source = candidates[0];
      if (!source || candidates.length > 1) {
        const all = sources.filter((s) => s.packageName === QUICKBOOKS).map((s) => s.id);
        throw new UsageError(
          all.length === 0
            ? `no source with connector ${QUICKBOOKS} in ${rt.config.file}`
            : `choose the source with --source (QuickBooks sources: ${all.join(", ")})`,
        );
      }
      const mod = await (deps.importer ?? pluginImporter(path.dirname(rt.config.file)))(QUICKBOOKS);
      if (!isQuickBooksAuth(mod)) throw new UsageError(`${QUICKBOOKS} is too old for regua auth; update it`);
      const state = options.state ?? randomBytes(16).toString("hex");
      io.out(
        `Open this address, sign in and choose the company (source ${source.id}):\n${mod.authorizationUrl(source.options, options.redirectUri, state)}`,
      );
      const redirectedTo = options.redirectedTo ?? (await ask("Paste the address the browser was sent to: "));
      const ctx = pluginContext({
        instanceId: source.id,
        kind: "source",
        packageName: QUICKBOOKS,
        log: env.log,
        clock: rt.clock,
        state: rt.store.state(source.id),
        signal: env.signal,
        ...(deps.http ? { http: deps.http } : {}),
      });
      const input = { options: source.options, redirectUri: options.redirectUri, state, redirectedTo };
      const connected = await mod.connectQuickBooks(input, ctx);
      io.out(
        `QuickBooks company ${connected.realmId} connected: tokens stored encrypted in the store (the access token is refreshed before ${connected.accessTokenExpiresAt}).`,
      );
    },
    deps,
  );
}
