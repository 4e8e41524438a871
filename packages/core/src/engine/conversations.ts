import type { ActionRow } from "../actions.js";
import type { ChannelEvent } from "../contracts.js";
import type {
  AnsweredMessage,
  Conversation,
  ConversationMessage,
  ConversationStore,
} from "../conversation-port.js";
import type { Customer } from "../model.js";
import { isBotPayload } from "../reply.js";
import type { EngineContext } from "./context.js";
import type { InboundRoute } from "./types.js";

type InboundEvent = Extract<ChannelEvent, { kind: "inbound" }>;
type StatusEvent = Extract<ChannelEvent, { kind: "status" }>;

export interface RoutedInbound {
  route: InboundRoute;
  conversation: Conversation | null;
  message: ConversationMessage | null;
  /** The dunning message answered (route active_reply), for the reply's write-back. */
  answered: ActionRow | null;
}

const NOT_ROUTED: RoutedInbound = { route: "none", conversation: null, message: null, answered: null };

/**
 * Puts an inbound message into its number's conversation. The number's open conversation takes
 * it, whatever its status; otherwise an answer to a dunning message (it quotes one, or comes
 * within `answerWindowMs` of one) opens a conversation in the operator queue, and anything else a
 * receptive one for the self-service bot. An opt-out opens nothing: there is nobody to talk to.
 */
export async function routeInbound(
  ctx: EngineContext,
  channelId: string,
  event: InboundEvent,
  phone: string,
  customers: readonly Customer[],
): Promise<RoutedInbound> {
  const conversations = ctx.conversations;
  if (!conversations) return NOT_ROUTED;
  const open = await conversations.findOpenConversation(channelId, phone);
  if (open) {
    const message = await appendInbound(conversations, open.id, event);
    return { route: "continued", conversation: afterInbound(open, event), message, answered: null };
  }
  if (event.intent === "opt_out") return NOT_ROUTED;
  const answered = await answeredAction(ctx, event, customers);
  const at = event.at;
  const opened = answered
    ? await conversations.openConversation({
        channel: channelId,
        phone,
        ...customerFields(customers, answered),
        status: "with_operator",
        origin: "active_reply",
        answered: answeredMessage(answered),
        at,
      })
    : await conversations.openConversation({
        channel: channelId,
        phone,
        status: "self_service",
        origin: "receptive",
        at,
      });
  const message = await appendInbound(conversations, opened.conversation.id, event);
  const conversation = afterInbound(opened.conversation, event);
  // Two workers racing on one number get the same row: the second one only continued it.
  const route: InboundRoute = opened.created ? (answered ? "active_reply" : "receptive") : "continued";
  return { route, conversation, message, answered: opened.created ? answered : null };
}

/** The row as appendMessage left it (the clocks it moves forward), without reading it back. */
function afterInbound(conversation: Conversation, event: InboundEvent): Conversation {
  const later = (a: string | null, b: string) => (a !== null && Date.parse(a) > Date.parse(b) ? a : b);
  return {
    ...conversation,
    lastInboundAt: later(conversation.lastInboundAt, event.at),
    lastMessageAt: later(conversation.lastMessageAt, event.at),
  };
}

async function appendInbound(
  conversations: ConversationStore,
  conversationId: number,
  event: InboundEvent,
): Promise<ConversationMessage> {
  const tapped = event.payload ?? null;
  const { message } = await conversations.appendMessage({
    conversationId,
    direction: "inbound",
    kind: tapped ? "interactive" : "text",
    author: "customer",
    body: event.text,
    payload: tapped ? { tapped, replyTo: event.replyTo } : null,
    providerMessageId: event.providerMessageId,
    status: "received",
    at: event.at,
  });
  return message;
}

/**
 * The dunning message this one answers: the one it quotes (WhatsApp's context), else the
 * latest message sent to one of the number's customers within the answer window. A tap on a
 * bot menu never answers dunning.
 */
async function answeredAction(
  ctx: EngineContext,
  event: InboundEvent,
  customers: readonly Customer[],
): Promise<ActionRow | null> {
  if (isBotPayload(event.payload)) return null;
  const mine = (action: ActionRow) =>
    customers.some((c) => c.source === action.source && c.externalId === action.customerRef);
  if (event.replyTo) {
    const quoted = await ctx.store.findActionByProviderMessageId(event.replyTo);
    if (quoted && mine(quoted)) return quoted;
  }
  const since = Date.parse(event.at) - ctx.answerWindowMs;
  let latest: ActionRow | null = null;
  for (const customer of customers) {
    const sent = await ctx.store.listActions({
      status: ["sent", "delivered", "read"],
      source: customer.source,
      customerRef: customer.externalId,
    });
    for (const action of sent) {
      if (action.kind !== "message" && action.kind !== "lifecycle") continue;
      const sentMs = action.sentAt === null ? Number.NaN : Date.parse(action.sentAt);
      if (!(sentMs >= since)) continue;
      if (!latest || sentMs > Date.parse(latest.sentAt ?? "")) latest = action;
    }
  }
  return latest;
}

function customerFields(customers: readonly Customer[], action: ActionRow) {
  const customer = customers.find((c) => c.source === action.source && c.externalId === action.customerRef);
  return {
    source: action.source,
    customerRef: action.customerRef,
    customerName: customer?.name ?? null,
    taxId: customer?.taxId ?? null,
  };
}

function answeredMessage(action: ActionRow): AnsweredMessage {
  const what = action.template ? `template ${action.template}` : action.kind;
  return {
    actionKey: action.key,
    providerMessageId: action.providerMessageId ?? "",
    preview: `${what} (step ${action.stepId}, invoices ${action.invoiceRefs.join(", ") || "none"})`,
  };
}

/** Moves the tick of the conversation message a status is about; null when it is not one. */
export async function routeStatus(
  ctx: EngineContext,
  channelId: string,
  event: StatusEvent,
): Promise<ConversationMessage | null> {
  if (!ctx.conversations) return null;
  return ctx.conversations.updateMessageStatus({
    channel: channelId,
    providerMessageId: event.providerMessageId,
    status: event.status,
    at: event.at,
    error: event.error ? `${event.error.code}: ${event.error.message}` : null,
    pricing: event.pricing ?? null,
  });
}
