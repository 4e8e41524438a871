import {
  type ConversationAssignment,
  type NewOperator,
  type Operator,
  type OperatorPatch,
  type OperatorRole,
  type OperatorSession,
  type OperatorStore,
  ValidationError,
} from "@regua/core";
import { type Selectable, sql } from "kysely";
import { toInstant, toNumber } from "./codec.js";
import type {
  ConversationAssignmentsTable,
  OperatorSessionsTable,
  OperatorsTable,
  StoreContext,
} from "./schema.js";

/** Conversations an operator is holding: the load routing balances. */
const HELD_STATUSES = ["with_operator", "initiated_not_answered"] as const;

function readOperator(row: Selectable<OperatorsTable>): Operator {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role as OperatorRole,
    whatsapp: toNumber(row.whatsapp) === 1,
    available: toNumber(row.available) === 1,
    disabled: toNumber(row.disabled) === 1,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function readSession(row: Selectable<OperatorSessionsTable>): OperatorSession {
  return {
    tokenHash: row.token_hash,
    operatorId: row.operator_id,
    csrfSecret: row.csrf_secret,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
  };
}

function readAssignment(row: Selectable<ConversationAssignmentsTable>): ConversationAssignment {
  return {
    id: toNumber(row.id),
    conversationId: toNumber(row.conversation_id),
    fromOperatorId: row.from_operator_id,
    toOperatorId: row.to_operator_id,
    by: row.by,
    reason: row.reason,
    at: row.at,
  };
}

const flag = (value: boolean) => (value ? 1 : 0);
const normaliseEmail = (email: string) => email.trim().toLowerCase();

/** The operator console's people, sessions and assignments (migration 0270). */
export function createOperatorStore(ctx: StoreContext): OperatorStore {
  const { db } = ctx;
  const getOperator = async (id: string) => {
    const row = await db.selectFrom("operators").selectAll().where("id", "=", id).executeTakeFirst();
    return row ? readOperator(row) : null;
  };
  return {
    async addOperator(input: NewOperator) {
      if (!input.passwordHash.startsWith("$argon2")) {
        // A clear password must never be stored by mistake: only a PHC hash string is accepted.
        throw new ValidationError("addOperator: passwordHash must be an argon2 PHC string");
      }
      const at = toInstant(input.at);
      const inserted = await db
        .insertInto("operators")
        .values({
          id: input.id,
          name: input.name,
          email: normaliseEmail(input.email),
          role: input.role,
          whatsapp: flag(input.whatsapp),
          available: 0,
          disabled: 0,
          password_hash: input.passwordHash,
          created_at: at,
          updated_at: at,
        })
        .onConflict((oc) => oc.doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!inserted) {
        throw new ValidationError(
          `an operator with id "${input.id}" or e-mail "${input.email}" already exists`,
          [{ path: "id", message: "taken" }],
        );
      }
      return readOperator(inserted);
    },

    getOperator,

    async findOperatorForLogin(email) {
      const row = await db
        .selectFrom("operators")
        .selectAll()
        .where("email", "=", normaliseEmail(email))
        .executeTakeFirst();
      return row ? { operator: readOperator(row), passwordHash: row.password_hash } : null;
    },

    async listOperators() {
      const rows = await db.selectFrom("operators").selectAll().orderBy("name").orderBy("id").execute();
      return rows.map(readOperator);
    },

    async updateOperator(id, patch: OperatorPatch) {
      const set: Partial<Selectable<OperatorsTable>> = { updated_at: toInstant(patch.at) };
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.role !== undefined) set.role = patch.role;
      if (patch.whatsapp !== undefined) set.whatsapp = flag(patch.whatsapp);
      if (patch.available !== undefined) set.available = flag(patch.available);
      if (patch.disabled !== undefined) set.disabled = flag(patch.disabled);
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      const row = await db
        .updateTable("operators")
        .set(set)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirst();
      return row ? readOperator(row) : null;
    },

    async nextAvailableOperator(options = {}) {
      let query = db
        .selectFrom("operators as o")
        .selectAll("o")
        .select((eb) => [
          eb
            .selectFrom("conversations as c")
            .select(eb.fn.countAll().as("n"))
            .whereRef("c.operator_id", "=", "o.id")
            .where("c.status", "in", HELD_STATUSES)
            .as("held"),
          // coalesce: NULLs sort first on SQLite and last on PostgreSQL; "" sorts first on both.
          sql<string>`coalesce((select max(a.at) from conversation_assignments a where a.to_operator_id = o.id), '')`.as(
            "last_assigned",
          ),
        ])
        .where("o.available", "=", 1)
        .where("o.whatsapp", "=", 1)
        .where("o.disabled", "=", 0);
      if (options.exclude && options.exclude.length > 0)
        query = query.where("o.id", "not in", options.exclude);
      const row = await query
        .orderBy("held")
        .orderBy("last_assigned")
        .orderBy("o.id")
        .limit(1)
        .executeTakeFirst();
      return row ? readOperator(row) : null;
    },

    async createSession(session) {
      await db
        .insertInto("operator_sessions")
        .values({
          token_hash: session.tokenHash,
          operator_id: session.operatorId,
          csrf_secret: session.csrfSecret,
          created_at: toInstant(session.createdAt),
          last_seen_at: toInstant(session.lastSeenAt),
        })
        .execute();
    },

    async getSession(tokenHash) {
      const row = await db
        .selectFrom("operator_sessions")
        .selectAll()
        .where("token_hash", "=", tokenHash)
        .executeTakeFirst();
      if (!row) return null;
      const operator = await getOperator(row.operator_id);
      return operator ? { session: readSession(row), operator } : null;
    },

    async touchSession(tokenHash, at) {
      const instant = toInstant(at);
      await db
        .updateTable("operator_sessions")
        .set({ last_seen_at: instant })
        .where("token_hash", "=", tokenHash)
        .where("last_seen_at", "<", instant)
        .execute();
    },

    async deleteSession(tokenHash) {
      await db.deleteFrom("operator_sessions").where("token_hash", "=", tokenHash).execute();
    },

    async deleteSessionsOf(operatorId) {
      const result = await db
        .deleteFrom("operator_sessions")
        .where("operator_id", "=", operatorId)
        .executeTakeFirst();
      return toNumber(result.numDeletedRows);
    },

    async purgeSessions({ idleBefore, createdBefore }) {
      const result = await db
        .deleteFrom("operator_sessions")
        .where((eb) =>
          eb.or([
            eb("last_seen_at", "<", toInstant(idleBefore)),
            eb("created_at", "<", toInstant(createdBefore)),
          ]),
        )
        .executeTakeFirst();
      return toNumber(result.numDeletedRows);
    },

    async paymentsAfterConversations({ from, to }) {
      const rows = await db
        .selectFrom("conversations as c")
        .innerJoin("payments as p", (join) =>
          join
            .onRef("p.source", "=", "c.source")
            .onRef("p.customer_ref", "=", "c.customer_ref")
            // paid_on is a calendar day; a conversation's day is its opened_at's first 10 characters.
            .on(sql<boolean>`p.paid_on >= substr(c.opened_at, 1, 10)`),
        )
        .select((eb) => [
          "c.id as conversation_id",
          "c.operator_id",
          "p.currency",
          eb.fn.sum<number>("p.amount_minor").as("amount_minor"),
          eb.fn.countAll<number>().as("payments"),
        ])
        .where("p.deleted_at", "is", null)
        .where("c.opened_at", ">=", toInstant(from))
        .where("c.opened_at", "<", toInstant(to))
        .groupBy(["c.id", "c.operator_id", "p.currency"])
        .orderBy("c.id")
        .orderBy("p.currency")
        .execute();
      return rows.map((row) => ({
        conversationId: toNumber(row.conversation_id),
        operatorId: row.operator_id,
        currency: row.currency,
        amountMinor: toNumber(row.amount_minor),
        payments: toNumber(row.payments),
      }));
    },

    async recordAssignment(assignment) {
      const row = await db
        .insertInto("conversation_assignments")
        .values({
          conversation_id: assignment.conversationId,
          from_operator_id: assignment.fromOperatorId,
          to_operator_id: assignment.toOperatorId,
          by: assignment.by,
          reason: assignment.reason,
          at: toInstant(assignment.at),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return readAssignment(row);
    },

    async listAssignments(conversationId) {
      const rows = await db
        .selectFrom("conversation_assignments")
        .selectAll()
        .where("conversation_id", "=", conversationId)
        .orderBy("id")
        .execute();
      return rows.map(readAssignment);
    },
  };
}
