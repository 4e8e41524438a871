import { randomBytes } from "node:crypto";
import type { FastifyInstance } from "fastify";

/**
 * Intuit's OAuth 2.0 server as régua meets it (developer.intuit.com → OAuth 2.0; token endpoint
 * https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer): client credentials as HTTP Basic,
 * a form body with `grant_type=authorization_code|refresh_token`, and an answer
 * `{token_type:"bearer", access_token, expires_in:3600, refresh_token, x_refresh_token_expires_in}`.
 * Refresh tokens rotate: each refresh issues a new one and the one used stops working
 * (`400 {"error":"invalid_grant"}`), so two clients refreshing with the same token lock one out.
 */
export interface OAuthOptions {
  clientId: string;
  clientSecret: string;
  realmId: string;
  accessTokenTtlSeconds: number;
  now: () => number;
  /** Time the token endpoint takes, so two refreshes can overlap. */
  latencyMs: number;
  /** What `x_refresh_token_expires_in` says (Intuit: 8,726,400 s, about 101 days). */
  refreshTokenTtlSeconds?: number;
}

export interface TokenAnswer {
  token_type: "bearer";
  access_token: string;
  expires_in: number;
  refresh_token: string;
  x_refresh_token_expires_in: number;
}

export class FakeOAuth {
  /** Token endpoint calls that issued tokens, and every call (failed ones too). */
  issued = 0;
  calls = 0;
  private readonly access = new Map<string, { realm: string; expiresAt: number }>();
  private readonly refresh = new Set<string>();
  private readonly codes = new Map<string, string>();

  /** Seconds the refresh tokens issued from now on are said to live. */
  refreshTokenTtlSeconds: number;

  constructor(private readonly options: OAuthOptions) {
    this.refreshTokenTtlSeconds = options.refreshTokenTtlSeconds ?? 8_726_400;
  }

  /** A valid refresh token, as the app holds after the user connected it. */
  issueRefreshToken(): string {
    const token = `AB11${randomBytes(24).toString("base64url")}`;
    this.refresh.add(token);
    return token;
  }

  /** The redirect Intuit sends the browser to after the user authorises the app. */
  authorize(redirectUri: string, state: string): string {
    const code = `AB11${randomBytes(16).toString("hex")}`;
    this.codes.set(code, redirectUri);
    const url = new URL(redirectUri);
    url.searchParams.set("code", code);
    url.searchParams.set("state", state);
    url.searchParams.set("realmId", this.options.realmId);
    return url.toString();
  }

  /** "valid", "expired" or "unknown" for an Authorization header, and the realm it is for. */
  check(header: string | undefined): { state: "valid" | "expired" | "unknown"; realm?: string } {
    const token = /^Bearer (.+)$/i.exec(header ?? "")?.[1];
    const entry = token ? this.access.get(token) : undefined;
    if (!entry) return { state: "unknown" };
    return { state: entry.expiresAt > this.options.now() ? "valid" : "expired", realm: entry.realm };
  }

  /** Every access token issued so far expires now (as an hour passing would). */
  expireAll(): void {
    for (const entry of this.access.values()) entry.expiresAt = 0;
  }

  register(app: FastifyInstance): void {
    app.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string" },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    app.post("/oauth2/v1/tokens/bearer", async (request, reply) => {
      this.calls += 1;
      if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
      const basic = Buffer.from(`${this.options.clientId}:${this.options.clientSecret}`).toString("base64");
      if (request.headers.authorization !== `Basic ${basic}`) {
        return reply.code(401).send({ error: "invalid_client" });
      }
      const form = (request.body ?? {}) as Record<string, string>;
      if (
        form.grant_type === "refresh_token" &&
        form.refresh_token &&
        this.refresh.delete(form.refresh_token)
      ) {
        return this.tokens();
      }
      const redirect = form.code ? this.codes.get(form.code) : undefined;
      if (form.grant_type === "authorization_code" && redirect && redirect === form.redirect_uri) {
        this.codes.delete(form.code as string);
        return this.tokens();
      }
      return reply.code(400).send({ error: "invalid_grant" });
    });
    app.get("/connect/oauth2", async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      if (query.client_id !== this.options.clientId || !query.redirect_uri) {
        return reply.code(400).send({ error: "invalid_request" });
      }
      return reply.redirect(this.authorize(query.redirect_uri, query.state ?? ""), 302);
    });
  }

  private tokens(): TokenAnswer {
    this.issued += 1;
    const access = `eyJ${randomBytes(32).toString("base64url")}`;
    this.access.set(access, {
      realm: this.options.realmId,
      expiresAt: this.options.now() + this.options.accessTokenTtlSeconds * 1000,
    });
    return {
      token_type: "bearer",
      access_token: access,
      expires_in: this.options.accessTokenTtlSeconds,
      refresh_token: this.issueRefreshToken(),
      x_refresh_token_expires_in: this.refreshTokenTtlSeconds,
    };
  }
}
