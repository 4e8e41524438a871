import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { type Clock, ConfigError, type KeyValueState, PermanentError } from "@regua/core";
import { type Insertable, sql } from "kysely";
import type { KvStateTable, StoreContext } from "./schema.js";

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

/** A row with no value: a lease taken before the first write, or a deleted value (keeps its version). */
const EMPTY = "";

/**
 * Versioned, leased plugin state. `version` grows with every write and delete, so a compareAndSet
 * fences out a writer whose lease expired; a lease is two columns on the key's own row, its expiry
 * an ISO instant from the injected clock (ISO strings sort as instants).
 */
export function createKeyValueState(
  ctx: StoreContext,
  key: Buffer,
  namespace: string,
  clock: Clock,
): KeyValueState {
  const aad = (name: string) => `${namespace}\u0000${name}`;
  const now = () => clock.now().toISOString();
  const row = (name: string) =>
    ctx.db.selectFrom("kv_state").where("namespace", "=", namespace).where("key", "=", name);
  const state: KeyValueState = {
    async get(name) {
      return (await state.read(name)).value;
    },
    async read(name) {
      const found = await row(name).select(["value", "version"]).executeTakeFirst();
      if (!found) return { value: null, version: 0 };
      const value = found.value === EMPTY ? null : decryptValue(key, aad(name), found.value);
      return { value, version: Number(found.version) };
    },
    async set(name, value) {
      const stored = encryptValue(key, aad(name), value);
      const at = now();
      await ctx.db
        .insertInto("kv_state")
        .values({ namespace, key: name, value: stored, version: 1, updated_at: at })
        .onConflict((oc) =>
          oc
            .columns(["namespace", "key"])
            .doUpdateSet({ value: stored, version: sql`kv_state.version + 1`, updated_at: at }),
        )
        .execute();
    },
    async delete(name) {
      await ctx.db
        .updateTable("kv_state")
        .set({ value: EMPTY, version: sql`version + 1`, updated_at: now() })
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .where("value", "!=", EMPTY)
        .execute();
    },
    async compareAndSet(name, expectedVersion, value) {
      const stored = encryptValue(key, aad(name), value);
      const at = now();
      const updated = await ctx.db
        .updateTable("kv_state")
        .set({ value: stored, version: expectedVersion + 1, updated_at: at })
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .where("version", "=", expectedVersion)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 1) return true;
      if (expectedVersion !== 0) return false;
      return insertOnce(ctx, { namespace, key: name, value: stored, version: 1, updated_at: at });
    },
    async acquireLease(name, owner, ttlMs) {
      const at = now();
      const until = new Date(clock.now().getTime() + ttlMs).toISOString();
      const taken = await ctx.db
        .updateTable("kv_state")
        .set({ lease_owner: owner, lease_until: until })
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .where((eb) =>
          eb.or([eb("lease_owner", "is", null), eb("lease_owner", "=", owner), eb("lease_until", "<=", at)]),
        )
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return true;
      return insertOnce(ctx, {
        namespace,
        key: name,
        value: EMPTY,
        version: 0,
        updated_at: at,
        lease_owner: owner,
        lease_until: until,
      });
    },
    async releaseLease(name, owner) {
      await ctx.db
        .updateTable("kv_state")
        .set({ lease_owner: null, lease_until: null })
        .where("namespace", "=", namespace)
        .where("key", "=", name)
        .where("lease_owner", "=", owner)
        .execute();
    },
    async leaseHolder(name) {
      const found = await row(name)
        .select("lease_owner")
        .where("lease_owner", "is not", null)
        .where("lease_until", ">", now())
        .executeTakeFirst();
      return found?.lease_owner ?? null;
    },
  };
  return state;
}

/** Inserts a row that must not exist yet; false when another writer created it first. */
async function insertOnce(ctx: StoreContext, values: Insertable<KvStateTable>): Promise<boolean> {
  const inserted = await ctx.db
    .insertInto("kv_state")
    .values(values)
    .onConflict((oc) => oc.columns(["namespace", "key"]).doNothing())
    .executeTakeFirst();
  return Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1;
}
