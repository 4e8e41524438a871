import { AuthError, ConfigError, type PluginContext } from "@regua/core";
import { requestTokens, storeTokens, tokenClient } from "./auth.js";
import { QuickBooksOptions, type QuickBooksOptionsInput } from "./options.js";

export interface ConnectInput {
  /** The source's options, as in the config. */
  options: QuickBooksOptionsInput;
  /** The redirect URI registered on the app (the authorize URL carried it). */
  redirectUri: string;
  /** The `state` the authorize URL carried; the redirect must bring it back. */
  state: string;
  /** Where Intuit sent the browser: `<redirectUri>?code=…&state=…&realmId=…`. */
  redirectedTo: string;
}

/**
 * The authorization-code exchange `regua auth quickbooks` runs once (OAuth 2.0 reference, "Exchange
 * the authorization code"): checks the state and the company, trades the code for the first
 * token pair and stores it (encrypted, through `ctx.state`) where the connector reads it.
 */
export async function connectQuickBooks(
  input: ConnectInput,
  ctx: PluginContext,
): Promise<{ realmId: string; accessTokenExpiresAt: string }> {
  const options = QuickBooksOptions.parse(input.options);
  const url = new URL(input.redirectedTo);
  const error = url.searchParams.get("error");
  if (error)
    throw new AuthError(`QuickBooks did not authorise the app: ${error}`, {
      provider: { system: "quickbooks-oauth", code: error },
    });
  const code = url.searchParams.get("code");
  if (!code)
    throw new ConfigError(
      "the redirect URL has no code= parameter; paste the whole address the browser opened",
    );
  if (url.searchParams.get("state") !== input.state) {
    throw new AuthError("the redirect's state does not match this authorisation; start again");
  }
  const realmId = url.searchParams.get("realmId");
  if (realmId && realmId !== options.realmId) {
    throw new ConfigError(`you connected company ${realmId}, but the source's realmId is ${options.realmId}`);
  }
  const tokens = await requestTokens(
    tokenClient(options, ctx),
    options,
    { grant_type: "authorization_code", code, redirect_uri: input.redirectUri },
    ctx.clock.now().getTime(),
  );
  await storeTokens(ctx.state, tokens);
  return { realmId: options.realmId, accessTokenExpiresAt: new Date(tokens.expiresAt).toISOString() };
}
