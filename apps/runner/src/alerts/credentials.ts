import { describeError } from "../commands/shared.js";
import type { Runtime } from "../runtime.js";
import type { CredentialFact } from "./account-rules.js";

/**
 * The credentials with a known end: what each connector reads from its own state (the QuickBooks
 * refresh token's `x_refresh_token_expires_in`), plus the API keys given in `alerts.credentials`.
 * A connector that cannot say now is named in `unread`, so its alerts keep their state.
 */
export async function credentialFacts(rt: Runtime): Promise<{ facts: CredentialFact[]; unread: string[] }> {
  const facts: CredentialFact[] = rt.config.alerts.credentials.apiKeys.map((key) => ({
    source: key.source,
    name: key.name,
    // An API key "valid until 2027-01-31" works through that day (UTC).
    expiresAt: new Date(Date.parse(`${key.expiresOn}T00:00:00Z`) + 24 * 60 * 60_000).toISOString(),
  }));
  const unread: string[] = [];
  for (const source of rt.sources) {
    if (!source.connector.credentialExpiry) continue;
    try {
      for (const credential of await source.connector.credentialExpiry()) {
        facts.push({ source: source.id, ...credential });
      }
    } catch (error) {
      unread.push(source.id);
      rt.log.warn(
        { source: source.id, err: describeError(error) },
        "could not read the source's credential expiry",
      );
    }
  }
  return { facts, unread };
}
