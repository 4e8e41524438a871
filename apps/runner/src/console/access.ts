import type { Conversation, Operator } from "@regua/core";
import type { FastifyReply } from "fastify";

/** Conversation screens: supervisors, and operators with the WhatsApp permission. */
export const seesConversations = (operator: Operator): boolean =>
  operator.role === "supervisor" || operator.whatsapp;

/** An operator opens the conversations they hold and the unassigned ones; a supervisor all. */
export const mayOpen = (operator: Operator, conversation: Conversation): boolean =>
  operator.role === "supervisor" ||
  (operator.whatsapp && (conversation.operatorId === null || conversation.operatorId === operator.id));

export function forbidden(reply: FastifyReply, what: string): FastifyReply {
  return reply.code(403).type("text/plain; charset=utf-8").send(`forbidden: ${what}`);
}
