import { CONVERSATION_STATUSES, type Conversation, type ConversationStatus, fromZodError } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { seesConversations } from "./access.js";
import { type ConsoleContext, formFields } from "./context.js";
import { type Html, html, page } from "./html.js";

export const STATUS_LABELS: Record<ConversationStatus, string> = {
  self_service: "Self-service",
  with_operator: "With operator",
  initiated_not_answered: "Initiated, not answered",
  closed: "Closed",
};

const QueueQuery = z.strictObject({
  status: z.enum(CONVERSATION_STATUSES).or(z.literal("")).optional(),
  operator: z.string().max(100).optional(),
  from: z.iso.date().or(z.literal("")).optional(),
  to: z.iso.date().or(z.literal("")).optional(),
  q: z.string().max(100).optional(),
  cursor: z.string().max(200).optional(),
});
type QueueQuery = z.output<typeof QueueQuery>;

const when = (iso: string | null) => (iso ? iso.slice(0, 16).replace("T", " ") : "");

function rows(items: readonly Conversation[], names: Map<string, string>): Html {
  if (items.length === 0) return html`<tr><td colspan="6">No conversations.</td></tr>`;
  return html`${items.map(
    (c) => html`<tr data-conversation="${c.id}">
      <td><a href="/console/conversations/${c.id}">${c.customerName ?? c.phone}</a></td>
      <td>${c.phone}</td>
      <td>${STATUS_LABELS[c.status]}</td>
      <td>${c.operatorId ? (names.get(c.operatorId) ?? c.operatorId) : html`<span class="badge">waiting</span>`}</td>
      <td>${c.origin === "active_reply" ? "Answer to dunning" : c.origin === "receptive" ? "Debtor wrote" : "Operator"}</td>
      <td><time datetime="${c.lastMessageAt}">${when(c.lastMessageAt)}</time></td>
    </tr>`,
  )}`;
}

/** GET /console: the queue (live), the availability toggle; /console/queue renders its rows for htmx. */
export function registerHome(app: FastifyInstance, c: ConsoleContext): void {
  const queueRows = async (operatorId: string, supervisor: boolean, query: QueueQuery) => {
    const filters = {
      ...(query.status ? { status: [query.status] } : {}),
      ...(query.from ? { from: `${query.from}T00:00:00.000Z` } : {}),
      ...(query.to ? { to: `${query.to}T23:59:59.999Z` } : {}),
      ...(query.q ? { search: query.q } : {}),
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: 50,
    };
    const names = new Map((await c.store.operators.listOperators()).map((o) => [o.id, o.name]));
    if (supervisor) {
      const operatorFilter =
        query.operator === "none"
          ? { operatorId: null }
          : query.operator
            ? { operatorId: query.operator }
            : {};
      const found = await c.store.listConversations({ ...filters, ...operatorFilter });
      return { body: rows(found.items, names), next: found.nextCursor };
    }
    // An operator: what they hold, then what waits for anyone.
    const [mine, waiting] = await Promise.all([
      c.store.listConversations({ ...filters, operatorId }),
      c.store.listConversations({ ...filters, operatorId: null }),
    ]);
    const items = [...mine.items, ...waiting.items].sort((a, b) =>
      b.lastMessageAt.localeCompare(a.lastMessageAt),
    );
    return { body: rows(items, names), next: null };
  };

  app.get("/console", async (req, reply) => {
    const { operator } = c.who(req);
    const csrfToken = c.csrfToken(req, reply);
    const toggle = availabilityForm(operator.available, csrfToken);
    if (!seesConversations(operator)) {
      return reply.type("text/html; charset=utf-8").send(
        page({
          title: "Console",
          operator,
          csrfToken,
          body: html`<h1>Hello, ${operator.name}</h1>
            <p>Your account has no access to WhatsApp conversations. Ask a supervisor for the WhatsApp permission.</p>`,
        }),
      );
    }
    const parsed = QueueQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send({ error: fromZodError(parsed.error, "query").message });
    const query = parsed.data;
    const supervisor = operator.role === "supervisor";
    const operators = supervisor ? await c.store.operators.listOperators() : [];
    const { body, next } = await queueRows(operator.id, supervisor, query);
    const search = new URLSearchParams(
      Object.entries(query).filter(
        (e): e is [string, string] => typeof e[1] === "string" && e[0] !== "cursor",
      ),
    ).toString();
    return reply.type("text/html; charset=utf-8").send(
      page({
        title: "Conversations",
        operator,
        csrfToken,
        body: html`<h1>Conversations</h1>
          ${toggle}
          <form class="filters" method="get" action="/console" role="search">
            <div><label for="f-status">Status</label>
              <select id="f-status" name="status"><option value="">Any open or closed</option>
              ${CONVERSATION_STATUSES.map(
                (s) =>
                  html`<option value="${s}" ${query.status === s ? "selected" : ""}>${STATUS_LABELS[s]}</option>`,
              )}</select></div>
            ${
              supervisor
                ? html`<div><label for="f-operator">Operator</label>
              <select id="f-operator" name="operator"><option value="">Anyone</option>
              <option value="none" ${query.operator === "none" ? "selected" : ""}>Unassigned</option>
              ${operators.map(
                (o) =>
                  html`<option value="${o.id}" ${query.operator === o.id ? "selected" : ""}>${o.name}</option>`,
              )}</select></div>`
                : null
            }
            <div><label for="f-from">From</label><input id="f-from" type="date" name="from" value="${query.from ?? ""}"></div>
            <div><label for="f-to">To</label><input id="f-to" type="date" name="to" value="${query.to ?? ""}"></div>
            <div><label for="f-q">Customer, phone or tax id</label><input id="f-q" type="search" name="q" value="${query.q ?? ""}"></div>
            <div><button type="submit">Filter</button></div>
          </form>
          <div hx-ext="sse" sse-connect="/console/events">
          <table aria-label="Conversations" aria-live="polite">
            <thead><tr><th scope="col">Customer</th><th scope="col">Phone</th><th scope="col">Status</th><th scope="col">Operator</th><th scope="col">Origin</th><th scope="col">Last message (UTC)</th></tr></thead>
            <tbody id="queue-rows" hx-get="/console/queue?${search}" hx-trigger="sse:queue" hx-swap="innerHTML">${body}</tbody>
          </table>
          </div>
          ${next ? html`<p><a href="/console?${search}${search ? "&" : ""}cursor=${encodeURIComponent(next)}">Older conversations</a></p>` : null}`,
      }),
    );
  });

  app.get("/console/queue", async (req, reply) => {
    const { operator } = c.who(req);
    if (!seesConversations(operator)) return reply.code(403).send();
    const parsed = QueueQuery.safeParse(req.query);
    if (!parsed.success) return reply.code(400).send({ error: fromZodError(parsed.error, "query").message });
    const { body } = await queueRows(operator.id, operator.role === "supervisor", parsed.data);
    return reply.type("text/html; charset=utf-8").send(body.text);
  });

  app.post("/console/availability", { preHandler: app.csrfProtection }, async (req, reply) => {
    const { operator } = c.who(req);
    const available = formFields(req.body).available === "true";
    const updated = await c.store.operators.updateOperator(operator.id, { available, at: c.now() });
    await c.audit(req, available ? "console.available" : "console.unavailable", operator.id);
    const form = availabilityForm(updated?.available ?? available, c.csrfToken(req, reply));
    if (req.headers["hx-request"] === "true") return reply.type("text/html; charset=utf-8").send(form.text);
    return reply.redirect("/console", 303);
  });
}

/** The "Operator available" switch: a real form (works without script), swapped in place by htmx. */
function availabilityForm(available: boolean, csrfToken: string): Html {
  return html`<form id="availability" method="post" action="/console/availability" hx-post="/console/availability" hx-swap="outerHTML" class="panel">
    <input type="hidden" name="_csrf" value="${csrfToken}">
    <input type="hidden" name="available" value="${available ? "false" : "true"}">
    <span role="status">${available ? "You are available: new conversations come to you." : "You are unavailable: you receive no new conversations."}</span>
    <button type="submit" aria-pressed="${available ? "true" : "false"}">${available ? "Become unavailable" : "Become available"}</button>
  </form>`;
}
