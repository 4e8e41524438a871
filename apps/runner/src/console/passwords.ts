import { randomBytes } from "node:crypto";
import { hash, verify } from "@node-rs/argon2";

/**
 * Operator passwords: argon2id (the @node-rs/argon2 default algorithm) with OWASP's minimum
 * parameters, 19 MiB of memory, 2 passes, 1 lane.
 * https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
 */
const PARAMS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 12;

export function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new RangeError(`a password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return hash(password, PARAMS);
}

/** A hash of nothing anyone knows: unknown e-mails are checked against it, so they take as long. */
let decoy: Promise<string> | undefined;

/** Checks a password against the stored hash; with no hash (unknown e-mail) spends the same time and fails. */
export async function checkPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (storedHash === null) {
    decoy ??= hash(randomBytes(24).toString("hex"), PARAMS);
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
