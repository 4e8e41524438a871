import type {
  Channel,
  Clock,
  Conversation,
  ConversationMessage,
  ConversationStore,
  DocumentRef,
  MessageDocument,
  MessageKind,
  TemplateMessage,
} from "@regua/core";
import { describeError } from "../commands/shared.js";

/** WhatsApp's customer service window: free-form messages only within 24 h of the customer's last one. */
export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

export function serviceWindowOpen(conversation: Conversation, now: Date): boolean {
  return (
    conversation.lastInboundAt !== null &&
    now.getTime() - Date.parse(conversation.lastInboundAt) < SERVICE_WINDOW_MS
  );
}

export type ConversationOutbound =
  | { kind: "text"; text: string; payload?: unknown }
  | { kind: "template"; template: TemplateMessage; preview: string }
  | { kind: "document"; document: DocumentRef; preview: string };

export interface ConversationSender {
  store: ConversationStore;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
}

/**
 * Sends one message in a conversation. The message is written first as "pending" (so the screen
 * shows it at once and a crash leaves a trace, never a silent send), then sent, then settled
 * with the provider's id (status webhooks move its ticks from there) or the provider's error.
 */
export async function sendInConversation(
  sender: ConversationSender,
  conversation: Conversation,
  outbound: ConversationOutbound,
  author: string,
): Promise<ConversationMessage> {
  const channel = sender.channels.get(conversation.channel);
  if (!channel)
    throw new Error(`conversation ${conversation.id}: channel "${conversation.channel}" is not configured`);
  const at = sender.clock.now().toISOString();
  const body = outbound.kind === "text" ? outbound.text : outbound.preview;
  const kind: MessageKind = outbound.kind;
  const document: MessageDocument | null =
    outbound.kind === "document"
      ? {
          filename: outbound.document.filename,
          mime: outbound.document.upload?.mime ?? "application/pdf",
          ...(outbound.document.caption ? { caption: outbound.document.caption } : {}),
        }
      : null;
  const { message } = await sender.store.appendMessage({
    conversationId: conversation.id,
    direction: "outbound",
    kind,
    author,
    body,
    payload:
      outbound.kind === "template"
        ? { template: outbound.template.name, language: outbound.template.language }
        : outbound.kind === "text"
          ? (outbound.payload ?? null)
          : null,
    document,
    status: "pending",
    at,
  });
  try {
    const { providerMessageId } = await channel.send({
      // Echoed back in status webhooks (WhatsApp biz_opaque_callback_data): one per message.
      actionKey: `conversation:${conversation.id}:${message.id}`,
      to: conversation.phone,
      preview: body,
      ...(outbound.kind === "text" ? { text: outbound.text } : {}),
      ...(outbound.kind === "template" ? { template: outbound.template } : {}),
      ...(outbound.kind === "document" ? { document: outbound.document } : {}),
    });
    return (
      (await sender.store.settleOutboundMessage(message.id, {
        providerMessageId,
        at: sender.clock.now().toISOString(),
      })) ?? message
    );
  } catch (error) {
    return (
      (await sender.store.settleOutboundMessage(message.id, {
        error: describeError(error),
        at: sender.clock.now().toISOString(),
      })) ?? message
    );
  }
}
