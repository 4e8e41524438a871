import type { Conversation, Invoice, Operator } from "@regua/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { describeError } from "../commands/shared.js";
import { forbidden, mayOpen, seesConversations } from "./access.js";
import type { ConsoleContext } from "./context.js";
import {
  actionsFingerprint,
  actionsPanel,
  conversationHeader,
  conversationState,
  customerPanel,
  messagesList,
  noticeLine,
} from "./conversation-view.js";
import { html, page } from "./html.js";

const Params = z.object({ id: z.coerce.number().int().positive() });

export interface Loaded {
  conversation: Conversation;
  operator: Operator;
}

/** The conversation of `:id`, if this operator may open it; otherwise the reply was sent (404/403). */
export async function loadConversation(
  c: ConsoleContext,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<Loaded | null> {
  const { operator } = c.who(req);
  if (!seesConversations(operator)) {
    forbidden(reply, "no WhatsApp permission");
    return null;
  }
  const params = Params.safeParse(req.params);
  const conversation = params.success ? await c.store.getConversation(params.data.id) : null;
  if (!conversation) {
    reply.code(404).type("text/plain; charset=utf-8").send("no such conversation");
    return null;
  }
  if (!mayOpen(operator, conversation)) {
    forbidden(reply, "this conversation is held by another operator");
    return null;
  }
  return { conversation, operator };
}

export const operatorNames = async (c: ConsoleContext) =>
  new Map((await c.store.operators.listOperators()).map((o) => [o.id, o.name]));

/** Open invoices fresh from the ERP; an ERP that fails shows its error instead of breaking the screen. */
export async function openInvoicesOf(
  c: ConsoleContext,
  conversation: Conversation,
): Promise<{ invoices: Invoice[] | null; error: string | null }> {
  if (!conversation.source || !conversation.customerRef) return { invoices: null, error: null };
  try {
    return {
      invoices: await c.engine.erp.listOpenInvoices(conversation.source, conversation.customerRef),
      error: null,
    };
  } catch (error) {
    return { invoices: null, error: `The ERP did not answer: ${describeError(error)}` };
  }
}

export async function renderActions(
  c: ConsoleContext,
  req: FastifyRequest,
  reply: FastifyReply,
  loaded: Loaded,
) {
  const conversation = (await c.store.getConversation(loaded.conversation.id)) ?? loaded.conversation;
  const operators = await c.store.operators.listOperators();
  const { invoices } = await openInvoicesOf(c, conversation);
  return actionsPanel({
    conversation,
    me: loaded.operator,
    now: c.clock.now(),
    templates: c.config.templates,
    transferTo: operators.filter((o) => o.whatsapp && !o.disabled && o.id !== conversation.operatorId),
    openInvoices: invoices ?? [],
    csrfToken: c.csrfToken(req, reply),
  });
}

/** GET /console/conversations/:id and its live fragments (messages, state, actions, customer). */
export function registerConversationScreens(app: FastifyInstance, c: ConsoleContext): void {
  app.get("/console/conversations/:id", async (req, reply) => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return reply;
    const { conversation, operator } = loaded;
    const names = await operatorNames(c);
    const messages = await c.store.listMessages(conversation.id, { limit: 500 });
    const actions = await renderActions(c, req, reply, loaded);
    return reply.type("text/html; charset=utf-8").send(
      page({
        title: conversation.customerName ?? conversation.phone,
        operator,
        csrfToken: c.csrfToken(req, reply),
        body: html`<p><a href="/console">← Conversations</a></p>
        <div hx-ext="sse" sse-connect="/console/events">
          ${conversationHeader(conversation, names)}
          <div class="layout">
            <div>
              <section class="panel" aria-label="Conversation">${messagesList(conversation, messages, names)}</section>
              ${noticeLine(null, false)}
              ${actions}
            </div>
            <div id="customer" hx-get="/console/conversations/${conversation.id}/customer" hx-trigger="load" hx-swap="innerHTML">
              <p class="panel">Loading the customer's invoices…</p>
            </div>
          </div>
        </div>`,
      }),
    );
  });

  app.get("/console/conversations/:id/messages", async (req, reply) => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return reply;
    const messages = await c.store.listMessages(loaded.conversation.id, { limit: 500 });
    return reply
      .type("text/html; charset=utf-8")
      .send(messagesList(loaded.conversation, messages, await operatorNames(c)).text);
  });

  app.get("/console/conversations/:id/state", async (req, reply) => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return reply;
    return reply
      .type("text/html; charset=utf-8")
      .send(conversationState(loaded.conversation, await operatorNames(c)).text);
  });

  app.get("/console/conversations/:id/actions", async (req, reply) => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return reply;
    const seen = (req.query as { seen?: unknown }).seen;
    // Nothing the panel shows changed: 204, htmx keeps the panel (and what is being typed).
    if (seen === actionsFingerprint(loaded.conversation, c.clock.now())) return reply.code(204).send();
    return reply.type("text/html; charset=utf-8").send((await renderActions(c, req, reply, loaded)).text);
  });

  app.get("/console/conversations/:id/customer", async (req, reply) => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return reply;
    const { conversation } = loaded;
    const { invoices, error } = await openInvoicesOf(c, conversation);
    const history =
      conversation.source && conversation.customerRef
        ? await c.store.actionHistory(conversation.source, conversation.customerRef)
        : [];
    return reply
      .type("text/html; charset=utf-8")
      .send(customerPanel({ conversation, invoices, invoicesError: error, history }).text);
  });
}
