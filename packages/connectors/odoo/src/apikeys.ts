import type { Clock, Logger } from "@regua/core";
import { z } from "zod";
import type { OdooClient } from "./client.js";
import { OdooDatetime } from "./schemas.js";

const ApiKeyRow = z.object({
  id: z.number().int(),
  name: z.union([z.string(), z.literal(false)]),
  expiration_date: z.union([OdooDatetime, z.literal(false)]).optional(),
});

/** Warn this many days before a key runs out: a key lasts at most 3 months on Odoo 19. */
export const KEY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/**
 * The user's API keys that run out within KEY_WARNING_DAYS, as a warning for `regua check`, when
 * the server tells: res.users.apikeys.expiration_date (Odoo 18+; "External JSON-2 API", API Keys)
 * lists the user's own keys. Which of them is régua's Odoo does not say (keys are stored hashed),
 * so the warning names the key. Null when none is near its end or the server does not say.
 */
export async function keyExpiryWarning(
  client: OdooClient,
  clock: Clock,
  log: Logger,
): Promise<string | null> {
  try {
    if (!(await client.fields("res.users.apikeys")).has("expiration_date")) return null;
    const rows = await client.call({
      model: "res.users.apikeys",
      method: "search_read",
      kwargs: { domain: [], fields: ["name", "expiration_date"], order: "expiration_date asc" },
      readOnly: true,
    });
    const now = clock.now().getTime();
    const soon = z
      .array(ApiKeyRow)
      .parse(rows)
      .map((key) => ({
        name: key.name || `#${key.id}`,
        ends: key.expiration_date ? Date.parse(`${key.expiration_date.replace(" ", "T")}Z`) : null,
      }))
      .filter(
        (key): key is { name: string; ends: number } =>
          key.ends !== null && key.ends > now && key.ends - now <= KEY_WARNING_DAYS * DAY_MS,
      )
      .sort((a, b) => a.ends - b.ends)[0];
    if (!soon) return null;
    const days = Math.ceil((soon.ends - now) / DAY_MS);
    const date = new Date(soon.ends).toISOString().slice(0, 10);
    return `WARNING: API key "${soon.name}" of this user expires on ${date} (in ${days} day${days === 1 ? "" : "s"}); if it is régua's, create a new one under Preferences → Account Security and update apiKey`;
  } catch (error) {
    // Not every user may read its keys (access rights differ by version): no warning, no failure.
    log.debug(
      { event: "odoo.apikeys_unreadable", error: String(error) },
      "could not read the user's API keys",
    );
    return null;
  }
}
