import {
  createHttpClient,
  type HttpClient,
  type KitResponse,
  refreshUnderLease,
  type Verdict,
} from "@regua/connector-kit";
import { AuthError, type KeyValueState, type PluginContext } from "@regua/core";
import { z } from "zod";
import { INTUIT, type QuickBooksOptions } from "./options.js";
import { OAuthError, TokenAnswer } from "./schemas.js";

/**
 * OAuth 2.0 for QuickBooks (developer.intuit.com → OAuth 2.0): access tokens live an hour,
 * refresh tokens rotate on every refresh and the one used stops working. The tokens live in the
 * store (`ctx.state`, encrypted at rest), shared by every runner on it; refreshes go through the
 * kit's `refreshUnderLease`: one refresh per process (single-flight), one across processes
 * (lease), and the new pair written with compareAndSet before the new access token is used.
 */
export const StoredTokens = z.object({
  accessToken: z.string(),
  refreshToken: z.string().min(1),
  /** Epoch ms. */
  expiresAt: z.number(),
  refreshExpiresAt: z.number().nullable(),
  realmId: z.string(),
});
export type StoredTokens = z.infer<typeof StoredTokens>;

/** Refresh this long before the access token's hour is up. */
const EARLY_MS = 5 * 60_000;
/** Longer than one token call with its timeout. */
const LEASE_MS = 30_000;
const SYSTEM = "quickbooks-oauth";

export function tokenKey(realmId: string): string {
  return `quickbooks:oauth:${realmId}`;
}

/** The token endpoint's `{"error":"invalid_grant"}`: the refresh token was used already or revoked. */
function classifyOAuth(response: KitResponse): Verdict | undefined {
  if (response.status < 400) return undefined;
  const body = OAuthError.safeParse(response.data);
  if (!body.success) return undefined;
  const { error, error_description: description } = body.data;
  const kind = error === "invalid_grant" || error === "invalid_client" ? "AUTH" : undefined;
  return { kind, code: error, message: description ?? error };
}

export function tokenClient(options: QuickBooksOptions, ctx: PluginContext): HttpClient {
  return createHttpClient(
    {
      system: SYSTEM,
      baseURL: options.tokenUrl,
      headers: { Accept: "application/json" },
      timeouts: { requestMs: 30_000 },
      classify: classifyOAuth,
    },
    ctx,
  );
}

/** POSTs a grant to the token endpoint and returns the pair to store. */
export async function requestTokens(
  http: HttpClient,
  options: QuickBooksOptions,
  grant: Record<string, string>,
  nowMs: number,
): Promise<StoredTokens> {
  const basic = Buffer.from(`${options.clientId}:${options.clientSecret}`).toString("base64");
  const response = await http.request({
    method: "POST",
    url: options.tokenUrl,
    data: new URLSearchParams(grant).toString(),
    headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded" },
  });
  const answer = TokenAnswer.safeParse(response.data);
  if (!answer.success) {
    throw new AuthError("the QuickBooks token endpoint answered without access_token/refresh_token", {
      provider: { system: SYSTEM, status: response.status },
    });
  }
  const { access_token, refresh_token, expires_in, x_refresh_token_expires_in } = answer.data;
  return {
    accessToken: access_token,
    refreshToken: refresh_token,
    expiresAt: nowMs + expires_in * 1000,
    refreshExpiresAt: x_refresh_token_expires_in ? nowMs + x_refresh_token_expires_in * 1000 : null,
    realmId: options.realmId,
  };
}

/** The authorize URL a user opens once to connect the app (`regua auth quickbooks`). */
export function authorizationUrl(options: QuickBooksOptions, redirectUri: string, state: string): string {
  const url = new URL(options.authorizeUrl);
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", INTUIT.scope);
  url.searchParams.set("redirect_uri", redirectUri);
  url.searchParams.set("state", state);
  return url.toString();
}

/** Tokens for one realm: read from the store, refreshed under the lease when stale or refused. */
export class TokenKeeper {
  private readonly http: HttpClient;
  private readonly key: string;

  constructor(
    private readonly options: QuickBooksOptions,
    private readonly ctx: PluginContext,
  ) {
    this.http = tokenClient(options, ctx);
    this.key = tokenKey(options.realmId);
  }

  /** A live access token (refreshing first when it has less than five minutes left). */
  async accessToken(): Promise<string> {
    return (await this.fresh((tokens) => tokens.expiresAt > this.now() + EARLY_MS)).accessToken;
  }

  /**
   * After a 401 with `rejected`: a new access token. When another caller or replica refreshed
   * already, its token is taken from the store and the token endpoint is not called again.
   */
  async replace(rejected: string): Promise<string> {
    return (await this.fresh((tokens) => tokens.accessToken !== rejected && tokens.expiresAt > this.now()))
      .accessToken;
  }

  private async fresh(isFresh: (tokens: StoredTokens) => boolean): Promise<StoredTokens> {
    const value = await refreshUnderLease(this.ctx.state, this.key, {
      ttlMs: LEASE_MS,
      clock: this.ctx.clock,
      signal: this.ctx.signal,
      isFresh: (stored) => {
        const tokens = parseStored(stored);
        return tokens !== null && isFresh(tokens);
      },
      refresh: (stored) => this.refresh(stored),
    });
    return parseStored(value) as StoredTokens;
  }

  private async refresh(stored: string | null): Promise<string> {
    const refreshToken = parseStored(stored)?.refreshToken ?? this.options.refreshToken;
    if (!refreshToken) {
      throw new AuthError(
        `QuickBooks company ${this.options.realmId} is not connected: run \`regua auth quickbooks\``,
        { provider: { system: SYSTEM } },
      );
    }
    const tokens = await requestTokens(
      this.http,
      this.options,
      { grant_type: "refresh_token", refresh_token: refreshToken },
      this.now(),
    );
    this.ctx.log.info(
      { event: "quickbooks.token_refreshed", realmId: this.options.realmId },
      "QuickBooks tokens refreshed",
    );
    return JSON.stringify(tokens);
  }

  private now(): number {
    return this.ctx.clock.now().getTime();
  }
}

function parseStored(value: string | null): StoredTokens | null {
  if (value === null) return null;
  try {
    const parsed = StoredTokens.safeParse(JSON.parse(value));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * When the stored refresh token stops working (Intuit's `x_refresh_token_expires_in` at the last
 * refresh), or null when none is stored or Intuit gave no expiry. Reads the store only.
 */
export async function refreshTokenExpiry(state: KeyValueState, realmId: string): Promise<number | null> {
  return parseStored((await state.read(tokenKey(realmId))).value)?.refreshExpiresAt ?? null;
}

/** Stores a pair obtained by the authorization-code exchange over whatever the store held. */
export async function storeTokens(state: KeyValueState, tokens: StoredTokens): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const current = await state.read(tokenKey(tokens.realmId));
    if (await state.compareAndSet(tokenKey(tokens.realmId), current.version, JSON.stringify(tokens))) return;
  }
  throw new AuthError("the QuickBooks tokens changed in the store while saving them; run the command again");
}
