import type {
  Channel,
  Clock,
  ConversationStore,
  DunningStore,
  Engine,
  Logger,
  OperatorStore,
} from "@regua/core";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ServerPlugin } from "../server/types.js";
import type { ConsoleConfig } from "./schema.js";
import type { ConsoleSessions, SignedIn } from "./sessions.js";

/** What the console reads and writes: the dunning store, conversations and operators. */
export type ConsoleStore = DunningStore & ConversationStore & { readonly operators: OperatorStore };

export interface ConsoleDeps {
  store: ConsoleStore;
  engine: Engine;
  channels: ServerPlugin<Channel>[];
  clock: Clock;
  log: Logger;
  config: ConsoleConfig;
  /**
   * Whether the self-service bot answers receptive conversations. Without it nobody would, so
   * routing moves them to the operator queue. Default false.
   */
  selfServiceBot?: boolean;
}

/** Shared by the console's route modules. */
export interface ConsoleContext extends ConsoleDeps {
  sessions: ConsoleSessions;
  /** The signed-in operator of a request that passed the session hook. */
  who(req: FastifyRequest): SignedIn;
  /** A CSRF token bound to the request's session (or to "anonymous" before sign-in). */
  csrfToken(req: FastifyRequest, reply: FastifyReply): string;
  audit(
    req: FastifyRequest,
    action: string,
    subject: string,
    detail?: Record<string, unknown>,
  ): Promise<void>;
  now(): string;
}

/** Fastify's form-body: the urlencoded fields as strings (the last value wins). */
export function formFields(body: unknown): Record<string, string> {
  return typeof body === "object" && body !== null ? (body as Record<string, string>) : {};
}
