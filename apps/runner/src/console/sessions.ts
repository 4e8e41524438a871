import { createHash, randomBytes } from "node:crypto";
import type { Clock, Operator, OperatorSession, OperatorStore } from "@regua/core";
import type { ConsoleConfig } from "./schema.js";

/** The token lives only in the operator's cookie; the store keeps its SHA-256. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** The __Host- prefix pins the cookie to this host and path / and requires Secure. */
export function sessionCookieName(secure: boolean): string {
  return secure ? "__Host-regua_console" : "regua_console";
}

/** Lets lastSeenAt lag this much: a page full of requests writes it once, not once per request. */
const TOUCH_EVERY_MS = 60_000;

export interface SignedIn {
  operator: Operator;
  session: OperatorSession;
}

export class ConsoleSessions {
  constructor(
    private readonly operators: OperatorStore,
    private readonly clock: Clock,
    private readonly config: ConsoleConfig["session"],
  ) {}

  async start(operatorId: string): Promise<{ token: string; session: OperatorSession }> {
    const token = randomBytes(32).toString("base64url");
    const now = this.clock.now().toISOString();
    const session: OperatorSession = {
      tokenHash: hashToken(token),
      operatorId,
      csrfSecret: randomBytes(16).toString("hex"),
      createdAt: now,
      lastSeenAt: now,
    };
    await this.operators.createSession(session);
    // A sign-in is also when old sessions are swept (no timer of its own).
    await this.operators.purgeSessions(this.cutoffs(now));
    return { token, session };
  }

  /** The operator behind a cookie's token, or null (unknown, expired, or the operator is disabled). */
  async resolve(token: string | undefined): Promise<SignedIn | null> {
    if (!token) return null;
    const tokenHash = hashToken(token);
    const found = await this.operators.getSession(tokenHash);
    if (!found) return null;
    const now = this.clock.now();
    const { idleBefore, createdBefore } = this.cutoffs(now.toISOString());
    if (
      found.operator.disabled ||
      found.session.lastSeenAt <= idleBefore ||
      found.session.createdAt <= createdBefore
    ) {
      await this.operators.deleteSession(tokenHash);
      return null;
    }
    if (now.getTime() - Date.parse(found.session.lastSeenAt) >= TOUCH_EVERY_MS) {
      await this.operators.touchSession(tokenHash, now.toISOString());
    }
    return found;
  }

  async end(token: string | undefined): Promise<void> {
    if (token) await this.operators.deleteSession(hashToken(token));
  }

  /** How long the cookie may live: the absolute limit (the server enforces the idle one). */
  get maxAgeSeconds(): number {
    return this.config.absoluteHours * 3600;
  }

  private cutoffs(now: string): { idleBefore: string; createdBefore: string } {
    const ms = Date.parse(now);
    return {
      idleBefore: new Date(ms - this.config.idleMinutes * 60_000).toISOString(),
      createdBefore: new Date(ms - this.config.absoluteHours * 3_600_000).toISOString(),
    };
  }
}
