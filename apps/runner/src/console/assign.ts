import type { Conversation, Operator } from "@regua/core";
import type { ConsoleDeps } from "./context.js";

/**
 * Hands a conversation to an operator (or back to the queue with null), version-checked so two
 * runners or two supervisors never both win; records the assignment, audits it, and the first
 * time an operator takes the conversation writes it to the customer's history and the ERP.
 * Returns the updated conversation, or null when it changed under us.
 */
export async function assignConversation(
  deps: ConsoleDeps,
  conversation: Conversation,
  to: Operator | null,
  by: string,
  reason: string | null,
): Promise<Conversation | null> {
  const at = deps.clock.now().toISOString();
  // A conversation an operator started keeps "initiated_not_answered" until the debtor answers.
  const status =
    conversation.status === "initiated_not_answered" || conversation.status === "closed"
      ? conversation.status
      : "with_operator";
  const updated = await deps.store.updateConversation(
    conversation.id,
    { operatorId: to?.id ?? null, status, at },
    conversation.version,
  );
  if (!updated) return null;
  const history = await deps.store.operators.listAssignments(conversation.id);
  await deps.store.operators.recordAssignment({
    conversationId: conversation.id,
    fromOperatorId: conversation.operatorId,
    toOperatorId: to?.id ?? null,
    by,
    reason,
    at,
  });
  await deps.store.appendAudit({
    at,
    actor: by,
    action: conversation.operatorId === null ? "conversation.assigned" : "conversation.transferred",
    subject: `conversation:${conversation.id}`,
    detail: { from: conversation.operatorId, to: to?.id ?? null, reason },
  });
  if (to && !history.some((a) => a.toOperatorId !== null)) await recordConversationStarted(deps, updated, to);
  return updated;
}

/**
 * "Every conversation started is written to the customer's history and back into the ERP": an
 * audit entry on the customer and a collection activity (phone, date and time, operator) through
 * the write-back outbox, idempotent by the conversation's id.
 */
export async function recordConversationStarted(
  deps: ConsoleDeps,
  conversation: Conversation,
  operator: Operator,
): Promise<void> {
  const at = deps.clock.now().toISOString();
  let { source, customerRef } = conversation;
  if (source === null || customerRef === null) {
    // The bot may not have identified the customer; a number registered for one customer is enough.
    const matches = await deps.store.findCustomersByPhone(conversation.phone);
    if (matches.length === 1 && matches[0]) {
      source = matches[0].source;
      customerRef = matches[0].externalId;
      await deps.store.updateConversation(conversation.id, {
        source,
        customerRef,
        customerName: matches[0].name,
        taxId: matches[0].taxId ?? null,
        at,
      });
    }
  }
  const when = at.slice(0, 16).replace("T", " ");
  const subject = `WhatsApp conversation with ${conversation.phone}, operator ${operator.name} (${when} UTC)`;
  if (source === null || customerRef === null) {
    await deps.store.appendAudit({
      at,
      actor: `operator:${operator.id}`,
      action: "conversation.started",
      subject: `conversation:${conversation.id}`,
      detail: {
        phone: conversation.phone,
        operator: operator.id,
        customer: null,
        why: "customer not identified: not written to the ERP",
      },
    });
    return;
  }
  await deps.store.enqueueActivity(
    {
      key: `console:conversation:${conversation.id}`,
      source,
      kind: conversation.origin === "operator" ? "message_sent" : "reply_received",
      customerRef,
      invoiceRefs: [],
      occurredAt: at,
      channel: conversation.channel,
      providerMessageId: null,
      subject,
      details: `phone ${conversation.phone}; started ${conversation.openedAt}; operator ${operator.name} (${operator.id}); origin ${conversation.origin}`,
      actionKey: conversation.answered?.actionKey ?? null,
    },
    at,
  );
  await deps.store.appendAudit({
    at,
    actor: `operator:${operator.id}`,
    action: "conversation.started",
    subject: `customer:${source}/${customerRef}`,
    detail: {
      conversation: conversation.id,
      phone: conversation.phone,
      operator: operator.id,
      origin: conversation.origin,
    },
  });
}
