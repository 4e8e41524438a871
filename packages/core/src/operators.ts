/**
 * The people who answer debtors in the operator console (issue 14): operators and supervisors,
 * their sign-in sessions and the history of who held which conversation. @regua/store implements
 * it on SQLite and PostgreSQL (migration 0270_operators); all instants are ISO-8601 UTC strings.
 *
 * Secrets never reach this port in clear: the password arrives already hashed (argon2id, PHC
 * string) and a session is known only by the SHA-256 of its token, so a copy of the database
 * neither reveals a password nor lets anyone take over a session.
 */

/** operator: answers conversations; supervisor: also sees everyone's, reassigns, runs batch actions. */
export type OperatorRole = "operator" | "supervisor";
export const OPERATOR_ROLES: readonly OperatorRole[] = ["operator", "supervisor"];

export interface Operator {
  /** A short stable id ("ana"): written into conversations, messages ("operator:ana") and the ERP. */
  id: string;
  name: string;
  /** Lower-cased; unique: the sign-in name. */
  email: string;
  role: OperatorRole;
  /** May see and answer WhatsApp conversations (the conversation screens). */
  whatsapp: boolean;
  /** Takes new conversations now ("Operator available" toggle). */
  available: boolean;
  /** A disabled operator cannot sign in and receives nothing; the row stays for history. */
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface NewOperator {
  id: string;
  name: string;
  email: string;
  role: OperatorRole;
  whatsapp: boolean;
  /** An argon2id PHC string ($argon2id$v=19$…); never a clear password. */
  passwordHash: string;
  at: string;
}

export interface OperatorPatch {
  name?: string;
  role?: OperatorRole;
  whatsapp?: boolean;
  available?: boolean;
  disabled?: boolean;
  passwordHash?: string;
  at: string;
}

export interface OperatorSession {
  /** SHA-256 (hex) of the cookie's token: the token itself is never stored. */
  tokenHash: string;
  operatorId: string;
  /** The session's CSRF secret (a random value bound to it, not a credential by itself). */
  csrfSecret: string;
  createdAt: string;
  lastSeenAt: string;
}

/** Who held a conversation: one row per assignment, transfer or release. */
export interface ConversationAssignment {
  id: number;
  conversationId: number;
  /** Who held it before; null: it was unassigned. */
  fromOperatorId: string | null;
  /** Who holds it now; null: released back to the queue. */
  toOperatorId: string | null;
  /** "routing" (automatic), "operator:<id>" (a transfer or a supervisor's reassignment). */
  by: string;
  reason: string | null;
  at: string;
}

export interface PaymentsAfterConversation {
  conversationId: number;
  operatorId: string | null;
  currency: string;
  amountMinor: number;
  payments: number;
}

export interface OperatorStore {
  /** Adds an operator; throws a ValidationError when the id or the e-mail is taken. */
  addOperator(input: NewOperator): Promise<Operator>;
  getOperator(id: string): Promise<Operator | null>;
  /** For sign-in: the operator and the stored hash, by e-mail (case-insensitive). */
  findOperatorForLogin(email: string): Promise<{ operator: Operator; passwordHash: string } | null>;
  listOperators(): Promise<Operator[]>;
  /** Returns the updated operator, or null when there is none with this id. */
  updateOperator(id: string, patch: OperatorPatch): Promise<Operator | null>;
  /**
   * Who receives the next conversation: among operators that are available, enabled and have the
   * WhatsApp permission, the one holding the fewest open conversations (status with_operator or
   * initiated_not_answered), then the one assigned least recently, then by id. null: nobody.
   */
  nextAvailableOperator(options?: { exclude?: readonly string[] }): Promise<Operator | null>;

  createSession(session: OperatorSession): Promise<void>;
  /** The session and its operator, or null when the token hash is unknown. */
  getSession(tokenHash: string): Promise<{ session: OperatorSession; operator: Operator } | null>;
  /** Moves lastSeenAt forward (the idle timeout counts from it). */
  touchSession(tokenHash: string, at: string): Promise<void>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Signs an operator out everywhere (password change, disabled). Returns how many ended. */
  deleteSessionsOf(operatorId: string): Promise<number>;
  /** Removes sessions idle since before `idleBefore` or created before `createdBefore`. */
  purgeSessions(options: { idleBefore: string; createdBefore: string }): Promise<number>;

  /**
   * Payments received after conversations (console reports): for each conversation opened in
   * [from, to) whose customer is known, the customer's payments dated on or after the day it
   * opened, summed per currency.
   */
  paymentsAfterConversations(query: { from: string; to: string }): Promise<PaymentsAfterConversation[]>;

  recordAssignment(assignment: Omit<ConversationAssignment, "id">): Promise<ConversationAssignment>;
  /** A conversation's assignments, oldest first. */
  listAssignments(conversationId: number): Promise<ConversationAssignment[]>;
}
