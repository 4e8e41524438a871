import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { ConfigError, type KeyValueState, PermanentError } from "@regua/core";
import type { StoreContext } from "./schema.js";

/**
 * Plugin state (OAuth refresh tokens, sessions) encrypted at rest with AES-256-GCM.
 *
 * The 32-byte key is derived from the configured secret with scrypt (N=2^14, r=8, p=1). The salt
 * is fixed per format version: the secret is already high-entropy config, and a stored random
 * salt would add nothing an attacker with the file does not also get. Each value gets a fresh
 * 12-byte IV, and "namespace\0key" is bound as additional authenticated data, so a ciphertext
 * copied to another key does not decrypt.
 *
 * Stored form: "v1:" + base64(iv) + ":" + base64(tag) + ":" + base64(ciphertext).
 */
const FORMAT = "v1";
const SALT = "regua.kv_state.v1";
const IV_BYTES = 12;

export function deriveKey(secret: string): Buffer {
  if (secret.length === 0) throw new ConfigError("store secretKey must not be empty");
  return scryptSync(secret, SALT, 32, { N: 2 ** 14, r: 8, p: 1 });
}

export function encryptValue(key: Buffer, aad: string, plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const ciphertext = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [FORMAT, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
}

export function decryptValue(key: Buffer, aad: string, stored: string): string {
  const [format, iv, tag, ciphertext] = stored.split(":");
  if (format !== FORMAT || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw new PermanentError(`kv_state value for ${aad.replace("\u0000", "/")} is not in format ${FORMAT}`);
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64"));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64"));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString(
      "utf8",
    );
  } catch (error) {
    throw new ConfigError(
      `kv_state value for ${aad.replace("\u0000", "/")} does not decrypt: wrong secretKey, or the row was tampered with`,
      { cause: error },
    );
  }
}

export function createKeyValueState(ctx: StoreContext, key: Buffer, namespace: string): KeyValueState {
  const aad = (name: string) => `${namespace}\u0000${name}`;
  return {
    async get(name) {
      const row = await ctx.db
        .selectFrom("kv_state")
        .select("value")
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .executeTakeFirst();
      return row ? decryptValue(key, aad(name), row.value) : null;
    },
    async set(name, value) {
      const stored = encryptValue(key, aad(name), value);
      const now = new Date().toISOString();
      await ctx.db
        .insertInto("kv_state")
        .values({ namespace, key: name, value: stored, updated_at: now })
        .onConflict((oc) => oc.columns(["namespace", "key"]).doUpdateSet({ value: stored, updated_at: now }))
        .execute();
    },
    async delete(name) {
      await ctx.db
        .deleteFrom("kv_state")
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .execute();
    },
  };
}
