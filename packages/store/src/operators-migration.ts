import { type Kysely, sql } from "kysely";
import type { Dialect } from "./schema.js";

/**
 * 0270 (issue 14): the operator console's people, their sessions and who held which
 * conversation. Sessions are keyed by the SHA-256 of the token (the token never reaches the
 * database); indexes serve sign-in (e-mail), routing (available operators), the expiry sweep and a
 * conversation's transfer history.
 */
export async function operatorsMigration(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const autoId = dialect === "postgres" ? sql`bigserial` : sql`integer`;
  await db.schema
    .createTable("operators")
    .addColumn("id", "text", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .addColumn("email", "text", (c) => c.notNull().unique())
    .addColumn("role", "text", (c) => c.notNull())
    .addColumn("whatsapp", "integer", (c) => c.notNull())
    .addColumn("available", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("password_hash", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("updated_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("operators_routable")
    .on("operators")
    .columns(["available", "whatsapp", "disabled"])
    .execute();

  await db.schema
    .createTable("operator_sessions")
    .addColumn("token_hash", "text", (c) => c.primaryKey())
    .addColumn("operator_id", "text", (c) => c.notNull().references("operators.id"))
    .addColumn("csrf_secret", "text", (c) => c.notNull())
    .addColumn("created_at", "text", (c) => c.notNull())
    .addColumn("last_seen_at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("operator_sessions_by_operator")
    .on("operator_sessions")
    .column("operator_id")
    .execute();
  await db.schema
    .createIndex("operator_sessions_by_last_seen")
    .on("operator_sessions")
    .column("last_seen_at")
    .execute();
  await db.schema
    .createIndex("operator_sessions_by_created")
    .on("operator_sessions")
    .column("created_at")
    .execute();

  await db.schema
    .createTable("conversation_assignments")
    .addColumn("id", autoId, (c) => c.primaryKey())
    .addColumn("conversation_id", "bigint", (c) => c.notNull().references("conversations.id"))
    .addColumn("from_operator_id", "text")
    .addColumn("to_operator_id", "text")
    .addColumn("by", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("at", "text", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("conversation_assignments_by_conversation")
    .on("conversation_assignments")
    .columns(["conversation_id", "id"])
    .execute();
  await db.schema
    .createIndex("conversation_assignments_by_operator")
    .on("conversation_assignments")
    .columns(["to_operator_id", "at"])
    .execute();
}
