import type { ActionRow } from "../actions.js";
import type { ChannelEvent } from "../contracts.js";
import { type ActivityKind, type Customer, normalizePhone } from "../model.js";
import { isBotPayload, type ReplyIntent } from "../reply.js";
import { audit, describeError, type EngineContext, nowIso } from "./context.js";
import { type RoutedInbound, routeInbound } from "./conversations.js";
import { holdForPromise, holdUntilPaymentConfirmed } from "./holds.js";
import { handleErpEvents } from "./refresh.js";

type InboundEvent = Extract<ChannelEvent, { kind: "inbound" }>;

const ACTIVITY_OF: Record<ReplyIntent, ActivityKind> = {
  opt_out: "opted_out",
  already_paid: "reply_received",
  promise_to_pay: "promise_to_pay",
  talk_to_human: "escalated",
  other: "reply_received",
};

const SUBJECT_OF: Record<ReplyIntent, string> = {
  opt_out: "Customer opted out of dunning messages",
  already_paid: "Customer replied they already paid",
  promise_to_pay: "Customer promised to pay",
  talk_to_human: "Customer asked to talk to a person",
  other: "Customer replied",
};

/**
 * A customer's reply: "PARAR" opts the phone out and stops every open action of every customer
 * with that phone; any reply marks the latest contact replied (for "no reply to earlier steps")
 * and is written back; "já paguei" holds the customer's dunning until the ERP shows the payment
 * (and re-reads the invoices at once); a promise to pay holds it until the promised date. A
 * reply also proves the number works: a flag saying it was undeliverable is cleared.
 *
 * With conversations on, the message is routed into its number's conversation first, and only
 * what starts a conversation, answers dunning, or changes the customer's dunning state (opt-out,
 * "já paguei", a promise) is written back: a tap on the bot's menu or a CPF typed for it is not
 * a reply to dunning. `onChannelEvent` (the bot) runs last.
 */
export async function handleInbound(
  ctx: EngineContext,
  channelId: string,
  event: InboundEvent,
): Promise<"applied" | "unmatched"> {
  const phone = normalizePhone(event.from, ctx.defaultRegion) ?? event.from;
  const actor = `webhook:${channelId}`;
  if (event.intent === "opt_out") {
    const reason = `customer replied "${event.text.slice(0, 40)}" on ${channelId}`;
    await ctx.store.setOptOut({ phone, source: null, customerRef: null, reason, at: nowIso(ctx) });
    await audit(ctx, "optout", phone, { channel: channelId, eventId: event.eventId }, actor);
  }
  if (await ctx.store.clearPhoneFlag(phone)) {
    await audit(
      ctx,
      "phone.flag_cleared",
      phone,
      { channel: channelId, why: "the customer wrote from it" },
      actor,
    );
  }
  const customers = await ctx.store.findCustomersByPhone(phone);
  const routed = await routeInbound(ctx, channelId, event, phone, customers);
  if (writesBack(routed, event)) {
    for (const customer of customers) await applyReply(ctx, channelId, event, customer, routed);
  }
  if (ctx.onChannelEvent) {
    const { route, conversation, message } = routed;
    await ctx.onChannelEvent({ kind: "inbound", channelId, event, route, conversation, message });
  }
  if (customers.length === 0) {
    ctx.log.info(
      { channel: channelId, eventId: event.eventId, intent: event.intent, route: routed.route },
      "reply from an unknown phone",
    );
    return event.intent === "opt_out" || routed.route !== "none" ? "applied" : "unmatched";
  }
  return "applied";
}

const CHANGES_DUNNING: ReadonlySet<ReplyIntent> = new Set(["opt_out", "already_paid", "promise_to_pay"]);

/** Inside an open conversation only what changes the customer's dunning state is written back. */
function writesBack(routed: RoutedInbound, event: InboundEvent): boolean {
  if (routed.route !== "continued") return true;
  return !isBotPayload(event.payload) && CHANGES_DUNNING.has(event.intent);
}

async function applyReply(
  ctx: EngineContext,
  channelId: string,
  event: InboundEvent,
  customer: Customer,
  routed: RoutedInbound,
) {
  const { source, externalId: customerRef } = customer;
  const at = nowIso(ctx);
  const answered =
    routed.answered?.source === source && routed.answered.customerRef === customerRef
      ? routed.answered
      : null;
  // A receptive conversation is not an answer to any dunning message.
  const contact =
    routed.route === "receptive" ? null : (answered ?? (await latestContact(ctx, customer, event.replyTo)));
  if (contact) await ctx.store.markReplied(contact.key, event.at);
  let skipped = 0;
  if (event.intent === "opt_out") {
    skipped = await ctx.store.skipOpenActions({ source, customerRef, reason: "opted_out", at });
  }
  const actor = `webhook:${channelId}`;
  const reply = { payload: event.payload ?? null, text: event.text };
  let details = event.text;
  if (event.intent === "promise_to_pay") {
    const promise = await holdForPromise(ctx, customer, reply, actor);
    details = `${promise.date ? `promised for ${promise.date}` : "promised, no date"}: ${event.text}`;
  } else if (event.intent === "already_paid") {
    await holdUntilPaymentConfirmed(ctx, customer, actor);
  }
  const kind = ACTIVITY_OF[event.intent];
  await ctx.store.enqueueActivity(
    {
      key: `${channelId}:${event.eventId}:${kind}:${source}:${customerRef}`,
      source,
      kind,
      customerRef,
      invoiceRefs: contact ? [...contact.invoiceRefs] : [],
      occurredAt: event.at,
      channel: channelId,
      providerMessageId: event.providerMessageId,
      subject:
        routed.route === "receptive" && event.intent === "other"
          ? "Customer started a conversation"
          : SUBJECT_OF[event.intent],
      details,
      actionKey: contact?.key ?? null,
    },
    at,
  );
  const detail = {
    intent: event.intent,
    eventId: event.eventId,
    repliedTo: contact?.key ?? null,
    skipped,
    ...(routed.conversation ? { conversation: routed.conversation.id } : {}),
  };
  await audit(ctx, "reply", `${source}/${customerRef}`, detail, actor);
  if (event.intent === "already_paid") await recheckInvoices(ctx, source, customerRef);
}

/** The message replied to when the provider says, else the customer's latest contact. */
async function latestContact(
  ctx: EngineContext,
  customer: Customer,
  replyTo: string | null,
): Promise<ActionRow | null> {
  const { source, externalId: customerRef } = customer;
  if (replyTo) {
    const action = await ctx.store.findActionByProviderMessageId(replyTo);
    if (action && action.source === source && action.customerRef === customerRef) return action;
  }
  const contacted = await ctx.store.listActions({
    status: ["sent", "delivered", "read"],
    source,
    customerRef,
  });
  let latest: ActionRow | null = null;
  for (const action of contacted) {
    if (action.kind !== "message" && action.kind !== "lifecycle") continue;
    if (!latest || sentMs(action) > sentMs(latest)) latest = action;
  }
  return latest;
}

function sentMs(action: ActionRow): number {
  return action.sentAt === null ? 0 : Date.parse(action.sentAt);
}

/** "Já paguei": re-read the invoices the sequence is about, so a payment stops it at once. */
async function recheckInvoices(ctx: EngineContext, source: string, customerRef: string): Promise<void> {
  const actions = await ctx.store.listActions({
    source,
    customerRef,
    status: ["planned", "claimed", "sent", "delivered", "read"],
  });
  const refs = [...new Set(actions.flatMap((a) => a.invoiceRefs))];
  if (refs.length === 0 || !ctx.connectors.has(source)) return;
  try {
    await handleErpEvents(
      ctx,
      source,
      refs.map((externalId) => ({ kind: "changed", entity: "invoices", externalId })),
    );
  } catch (error) {
    ctx.log.warn(
      { source, customerRef, error: describeError(error) },
      "could not re-read invoices after a reply",
    );
  }
}
