import { ConfigError, fromZodError, ValidationError } from "@regua/core";
import { z } from "zod";

export interface CheckpointCodec<T> {
  /** The string the engine stores as the listing's cursor. */
  encode(value: T): string;
  /**
   * The stored string back to a typed checkpoint; null/absent means "list everything".
   * `where` names the source in errors ("erp-main invoices").
   */
  decode(text: string | null | undefined, where: string): T | null;
}

/** What wraps every checkpoint: whose it is and which version of its schema. */
const Envelope = z.object({ kind: z.string(), v: z.number().int(), at: z.unknown() });

/**
 * A connector's resume point, declared once with a zod schema. It is stored wrapped with the
 * connector's id and a schema version, so a checkpoint from another connector (a source whose
 * plugin was swapped) or an older schema fails loudly with ConfigError, and a damaged one with
 * ValidationError, both naming the source: never a silent full resync.
 */
export function defineCheckpoint<S extends z.ZodType>(options: {
  /** The connector's package name: "@regua/connector-rest". */
  kind: string;
  /** Bump when the schema changes incompatibly. */
  version: number;
  schema: S;
}): CheckpointCodec<z.output<S>> {
  const { kind, version, schema } = options;
  return {
    encode: (value) => JSON.stringify({ kind, v: version, at: schema.parse(value) }),
    decode(text, where) {
      if (text === null || text === undefined) return null;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        throw new ValidationError(
          `${where}: the stored checkpoint is not JSON (${text.length} characters); it is corrupt`,
          [],
          {
            where,
            reason: "corrupt checkpoint",
          },
        );
      }
      const envelope = Envelope.safeParse(json);
      if (!envelope.success) {
        throw new ConfigError(
          `${where}: the stored checkpoint was not written by ${kind}; clear the source's sync state to list everything again`,
          {
            where,
            reason: "foreign checkpoint",
          },
        );
      }
      const { kind: writer, v } = envelope.data;
      if (writer !== kind || v !== version) {
        throw new ConfigError(
          `${where}: the stored checkpoint belongs to ${writer} v${v}, not ${kind} v${version}; clear the source's sync state to list everything again`,
          { where, reason: "foreign checkpoint" },
        );
      }
      const parsed = schema.safeParse(envelope.data.at);
      if (!parsed.success) throw fromZodError(parsed.error, `${where} checkpoint`);
      return parsed.data;
    },
  };
}
