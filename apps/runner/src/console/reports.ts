import { type Conversation, formatMoney, fromZodError, type Money } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { micros, microsToMinor, stepCosts } from "../reports/figures.js";
import type { ReportsConfig } from "../reports/schema.js";
import type { ConsoleContext } from "./context.js";
import { type Html, html, page } from "./html.js";

const DAY_MS = 86_400_000;
const MAX_CONVERSATIONS = 5_000;

const Query = z.strictObject({
  from: z.iso.date().optional(),
  to: z.iso.date().optional(),
});

interface OperatorLine {
  operator: string;
  started: number;
  closed: number;
  closedMs: number;
  messages: number;
  billable: number;
  costMicros: number;
  paid: Map<string, number>;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} min`;

/** Conversations opened in [from, to): paged through the queue query (newest last message first). */
async function conversationsOpenedIn(c: ConsoleContext, from: string, to: string): Promise<Conversation[]> {
  const found: Conversation[] = [];
  let cursor: string | null = null;
  do {
    const page = await c.store.listConversations({ from, limit: 500, cursor });
    found.push(...page.items.filter((conv) => conv.openedAt >= from && conv.openedAt < to));
    cursor = page.nextCursor;
  } while (cursor && found.length < MAX_CONVERSATIONS);
  return found;
}

function table(id: string, caption: string, headers: string[], rows: (string | number)[][]): Html {
  return html`<table id="${id}"><caption>${caption}</caption>
    <thead><tr>${headers.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
    <tbody>${rows.length === 0 ? html`<tr><td colspan="${headers.length}">none</td></tr>` : rows.map((r) => html`<tr>${r.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`;
}

/**
 * GET /console/reports: conversations started and closed with their durations, by operator and
 * by outcome; their messages and cost (WhatsApp pricing × `reports.prices`); payments after a
 * conversation; batch actions (console steps) with what they sent, answers and money recovered.
 */
export function registerConsoleReports(
  app: FastifyInstance,
  c: ConsoleContext,
  prices: ReportsConfig["prices"],
): void {
  app.get("/console/reports", async (req, reply) => {
    const { operator } = c.who(req);
    const query = Query.safeParse(req.query);
    if (!query.success) return reply.code(400).send({ error: fromZodError(query.error, "query").message });
    const today = c.now().slice(0, 10);
    const toDay = query.data.to ?? today;
    const fromDay = query.data.from ?? new Date(Date.parse(toDay) - 6 * DAY_MS).toISOString().slice(0, 10);
    const from = `${fromDay}T00:00:00.000Z`;
    const to = new Date(Date.parse(`${toDay}T00:00:00.000Z`) + DAY_MS).toISOString();
    const names = new Map((await c.store.operators.listOperators()).map((o) => [o.id, o.name]));
    // An operator sees their own lines; a supervisor everyone's.
    const mine = (id: string | null) => operator.role === "supervisor" || id === operator.id;

    const conversations = (await conversationsOpenedIn(c, from, to)).filter((conv) => mine(conv.operatorId));
    const byOperator = new Map<string, OperatorLine>();
    const byOutcome = new Map<string, { count: number; ms: number }>();
    const line = (id: string | null) => {
      const key = id ?? "(nobody)";
      let found = byOperator.get(key);
      if (!found) {
        found = {
          operator: id ? (names.get(id) ?? id) : "(nobody)",
          started: 0,
          closed: 0,
          closedMs: 0,
          messages: 0,
          billable: 0,
          costMicros: 0,
          paid: new Map(),
        };
        byOperator.set(key, found);
      }
      return found;
    };
    for (const conv of conversations) {
      const entry = line(conv.operatorId);
      entry.started += 1;
      const outcome =
        conv.status === "closed"
          ? (conv.closingReason?.replace(/ by .*/, "") ?? "closed")
          : `open (${conv.status})`;
      const o = byOutcome.get(outcome) ?? { count: 0, ms: 0 };
      o.count += 1;
      if (conv.closedAt) {
        const ms = Date.parse(conv.closedAt) - Date.parse(conv.openedAt);
        entry.closed += 1;
        entry.closedMs += ms;
        o.ms += ms;
      }
      byOutcome.set(outcome, o);
      for (const m of await c.store.listMessages(conv.id, { limit: 1000 })) {
        if (m.direction !== "outbound") continue;
        entry.messages += 1;
        if (m.pricing?.billable) {
          entry.billable += 1;
          entry.costMicros += prices ? micros(prices.perMessage[m.pricing.category] ?? "0") : 0;
        }
      }
    }
    for (const p of await c.store.operators.paymentsAfterConversations({ from, to })) {
      if (!mine(p.operatorId)) continue;
      const entry = line(p.operatorId);
      entry.paid.set(p.currency, (entry.paid.get(p.currency) ?? 0) + p.amountMinor);
    }
    const cost = (m: number) =>
      prices
        ? formatMoney({ amountMinor: microsToMinor(m, prices.currency), currency: prices.currency } as Money)
        : "no prices configured";
    const operatorRows = [...byOperator.values()].map((e) => [
      e.operator,
      e.started,
      e.closed,
      e.closed > 0 ? minutes(e.closedMs / e.closed) : "",
      e.messages,
      e.billable,
      cost(e.costMicros),
      [...e.paid]
        .map(([currency, amountMinor]) => formatMoney({ amountMinor, currency } as Money))
        .join(", ") || "none",
    ]);
    const outcomeRows = [...byOutcome].map(([outcome, o]) => [
      outcome,
      o.count,
      o.ms > 0 ? minutes(o.ms / o.count) : "",
    ]);

    // Batch actions and one-to-one contacts are console steps in the outbox: the policy's own figures.
    const figures = await c.store.periodFigures({ from, to });
    const costs = stepCosts(figures, prices);
    const batchRows =
      operator.role === "supervisor"
        ? figures.messages
            .filter((m) => m.stepId.startsWith("console:"))
            .map((m) => {
              const recovered = figures.recovered.filter((r) => r.stepId === m.stepId);
              const stepCost = costs.find((s) => s.stepId === m.stepId && s.source === m.source);
              return [
                m.stepId,
                m.source,
                m.sent,
                m.replied,
                stepCost
                  ? formatMoney({ amountMinor: stepCost.amountMinor, currency: stepCost.currency } as Money)
                  : cost(0),
                recovered
                  .map((r) => formatMoney({ amountMinor: r.amountMinor, currency: r.currency } as Money))
                  .join(", ") || "none",
              ];
            })
        : [];
    const planned =
      operator.role === "supervisor"
        ? (await c.store.listActions({ status: ["planned", "claimed", "sending"], limit: 1000 })).filter(
            (a) => a.stepId.startsWith("console:"),
          ).length
        : 0;

    return reply.type("text/html; charset=utf-8").send(
      page({
        title: "Console reports",
        operator,
        csrfToken: c.csrfToken(req, reply),
        body: html`<h1>Console reports</h1>
          <form method="get" action="/console/reports" class="filters">
            <div><label for="r-from">From</label><input id="r-from" type="date" name="from" value="${fromDay}"></div>
            <div><label for="r-to">To</label><input id="r-to" type="date" name="to" value="${toDay}"></div>
            <div><button type="submit">Show</button></div>
          </form>
          <p>Conversations opened from ${fromDay} to ${toDay} (UTC days).</p>
          ${table("report-operators", "Conversations by operator", ["Operator", "Started", "Closed", "Average duration (closed)", "Messages sent", "Billable", "Cost", "Paid after the conversation"], operatorRows)}
          ${table("report-outcomes", "Conversations by outcome", ["Outcome", "Conversations", "Average duration"], outcomeRows)}
          ${
            operator.role === "supervisor"
              ? html`${table("report-batches", "Batch actions and one-to-one contacts (messages that left in the period)", ["Step", "Source", "Sent", "Answered", "Cost", "Recovered after"], batchRows)}
            <p>${planned} console messages still waiting for dispatch.</p>`
              : null
          }`,
      }),
    );
  });
}
