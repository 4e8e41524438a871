import {
  type ActionHistoryEntry,
  type Conversation,
  type ConversationMessage,
  formatMoney,
  type Invoice,
  type Operator,
} from "@regua/core";
import { SERVICE_WINDOW_MS, serviceWindowOpen } from "../conversations/send.js";
import { STATUS_LABELS } from "./home.js";
import { type Html, html } from "./html.js";
import type { ConsoleTemplate } from "./schema.js";

const when = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "");

const TICKS: Record<string, { mark: string; label: string }> = {
  received: { mark: "", label: "received" },
  pending: { mark: "…", label: "sending" },
  sent: { mark: "✓", label: "sent" },
  delivered: { mark: "✓✓", label: "delivered" },
  read: { mark: "✓✓", label: "read" },
  failed: { mark: "✗", label: "failed" },
};

function author(message: ConversationMessage, names: Map<string, string>): string {
  if (message.author === "customer") return "Customer";
  if (message.author.startsWith("operator:")) {
    const id = message.author.slice("operator:".length);
    return names.get(id) ?? id;
  }
  return message.author === "bot" ? "Bot" : message.author === "console" ? "Console" : message.author;
}

/** The message list; re-read on every change of this conversation (SSE), so ticks move live. */
export function messagesList(
  conversation: Conversation,
  messages: readonly ConversationMessage[],
  names: Map<string, string>,
): Html {
  return html`<ol class="messages" id="messages" aria-label="Messages"
      hx-get="/console/conversations/${conversation.id}/messages" hx-trigger="sse:conversation-${conversation.id}" hx-swap="outerHTML">
    ${messages.map((m) => {
      const tick = TICKS[m.status] ?? { mark: "", label: m.status };
      return html`<li class="${m.direction}" data-status="${m.status}" data-message="${m.id}">
        <div class="meta">${author(m, names)} · <time datetime="${m.at}">${when(m.at)}</time>
          ${m.direction === "outbound" ? html` · <span class="ticks ${m.status === "read" ? "read" : ""}" aria-label="${tick.label}" title="${tick.label}">${tick.mark}</span> <span class="meta">${tick.label}</span>` : null}
          ${m.kind === "template" ? html` · <span class="badge">template</span>` : null}</div>
        ${m.document ? html`<div><span class="badge">document</span> <span class="document">${m.document.filename}</span></div>` : null}
        <div class="body">${m.body ?? html`<em>(removed by retention)</em>`}</div>
        ${m.error ? html`<div class="error">${m.error}</div>` : null}
      </li>`;
    })}
  </ol>`;
}

export interface ActionsView {
  conversation: Conversation;
  me: Operator;
  now: Date;
  templates: readonly ConsoleTemplate[];
  transferTo: readonly Operator[];
  openInvoices: readonly Invoice[];
  csrfToken: string;
}

const hidden = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/**
 * What the action panel depends on: it is re-rendered live only when this changes, so a change
 * elsewhere (a new message, a tick) never wipes what the operator is typing.
 */
export function actionsFingerprint(c: Conversation, now: Date): string {
  return `${c.status}.${c.operatorId ?? "-"}.${serviceWindowOpen(c, now) ? "open" : "closed"}`;
}

/** The outcome of the last action, swapped out of band into #notice (outside the panel). */
export function noticeLine(text: string | null | undefined, outOfBand: boolean): Html {
  return html`<p id="notice" role="status" aria-live="polite" ${outOfBand ? html`hx-swap-oob="true"` : null}>${text ?? ""}</p>`;
}

/** The action panel: what the operator can do now (the 24-hour window decides free text). */
export function actionsPanel(v: ActionsView): Html {
  const c = v.conversation;
  const base = `/console/conversations/${c.id}`;
  const refresh = html`hx-get="${base}/actions?seen=${actionsFingerprint(c, v.now)}" hx-trigger="sse:conversation-${c.id}" hx-swap="outerHTML"`;
  if (c.status === "closed") {
    return html`<section id="actions" class="panel" aria-label="Actions" ${refresh}>
      <p>This conversation is closed${c.closingReason ? html` (${c.closingReason})` : null}.</p></section>`;
  }
  const open = serviceWindowOpen(c, v.now);
  const closesAt = c.lastInboundAt
    ? new Date(Date.parse(c.lastInboundAt) + SERVICE_WINDOW_MS).toISOString()
    : null;
  const target = html`hx-target="#actions" hx-swap="outerHTML"`;
  return html`<section id="actions" class="panel" aria-label="Actions" ${refresh}>
    ${
      open
        ? html`<p class="window-open" id="window">24-hour window open until ${when(closesAt)}: free text allowed.</p>
      <form method="post" action="${base}/reply" hx-post="${base}/reply" ${target}>
        ${hidden(v.csrfToken)}
        <label for="reply-text">Reply</label>
        <textarea id="reply-text" name="text" rows="3" required maxlength="4096" style="width:100%"></textarea>
        <button type="submit">Send reply</button>
      </form>`
        : html`<p class="window-closed" id="window" role="note">The 24-hour window is closed${c.lastInboundAt ? html` (the customer last wrote ${when(c.lastInboundAt)})` : html` (the customer has not written)`}: free text and documents are not allowed; send a template.</p>`
    }
    ${
      v.templates.length > 0
        ? html`<form method="post" action="${base}/template" hx-post="${base}/template" ${target}>
        ${hidden(v.csrfToken)}
        <label for="template">Template</label>
        <select id="template" name="template">${v.templates.map((t, i) => html`<option value="${i}">${t.label}</option>`)}</select>
        <button type="submit">Send template</button>
      </form>`
        : null
    }
    ${
      open
        ? html`<form method="post" action="${base}/document" hx-post="${base}/document" ${target}>
        ${hidden(v.csrfToken)}
        <label for="document">Document</label>
        <select id="document" name="document">
          <option value="statement">Debt statement (all open invoices)</option>
          ${v.openInvoices.map((i) => html`<option value="boleto:${i.externalId}">Boleto ${i.number} (${formatMoney(i.openAmount)})</option>`)}
          <option value="agreement_term">Agreement term</option>
        </select>
        <button type="submit">Send document</button>
      </form>
      <form method="post" action="${base}/upload" hx-post="${base}/upload" hx-encoding="multipart/form-data" ${target}>
        <label for="upload">File from this computer</label>
        <input id="upload" type="file" name="file" required>
        <button type="submit">Send file</button>
      </form>`
        : null
    }
    ${
      v.transferTo.length > 0
        ? html`<form method="post" action="${base}/transfer" hx-post="${base}/transfer" ${target}>
        ${hidden(v.csrfToken)}
        <label for="transfer-to">Transfer to</label>
        <select id="transfer-to" name="to">${v.transferTo.map((o) => html`<option value="${o.id}">${o.name}${o.available ? "" : " (unavailable)"}</option>`)}</select>
        <label for="transfer-reason">Reason (optional)</label>
        <input id="transfer-reason" name="reason" maxlength="200">
        <button type="submit">Transfer</button>
      </form>`
        : null
    }
    <form method="post" action="${base}/close" hx-post="${base}/close" ${target}>
      ${hidden(v.csrfToken)}
      <button type="submit" class="secondary">Close conversation</button>
    </form>
  </section>`;
}

export function customerPanel(input: {
  conversation: Conversation;
  invoices: readonly Invoice[] | null;
  invoicesError: string | null;
  history: readonly ActionHistoryEntry[];
}): Html {
  const c = input.conversation;
  return html`<section class="panel" aria-labelledby="customer-h">
    <h2 id="customer-h">${c.customerName ?? "Unidentified customer"}</h2>
    <p>${c.phone}${c.taxId ? html` · CPF/CNPJ ${c.taxId}` : null}${
      c.source && c.customerRef
        ? html` · <a href="/console/customers/${encodeURIComponent(c.source)}/${encodeURIComponent(c.customerRef)}">customer page</a>`
        : null
    }</p>
    <h3>Open invoices</h3>
    ${
      input.invoicesError
        ? html`<p class="error">${input.invoicesError}</p>`
        : input.invoices && input.invoices.length > 0
          ? html`<table id="open-invoices"><thead><tr><th scope="col">Invoice</th><th scope="col">Due</th><th scope="col">Open</th></tr></thead><tbody>
          ${input.invoices.map((i) => html`<tr><td>${i.number}</td><td>${i.dueDate}</td><td>${formatMoney(i.openAmount)}</td></tr>`)}
          </tbody></table>`
          : html`<p>None.</p>`
    }
    <h3>Dunning history</h3>
    ${
      input.history.length > 0
        ? html`<table id="dunning-history"><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Sent</th></tr></thead><tbody>
        ${input.history.map((h) => html`<tr><td>${h.stepId}</td><td>${h.status}${h.repliedAt ? " (replied)" : ""}</td><td>${when(h.sentAt ?? h.dueAt)}</td></tr>`)}
        </tbody></table>`
        : html`<p>No dunning messages.</p>`
    }
  </section>`;
}

export function conversationHeader(c: Conversation, names: Map<string, string>): Html {
  return html`<h1>${c.customerName ?? c.phone}</h1>${conversationState(c, names)}`;
}

/** Status and holder; re-read on every change of the conversation. */
export function conversationState(c: Conversation, names: Map<string, string>): Html {
  return html`<p id="conversation-state" hx-get="/console/conversations/${c.id}/state" hx-trigger="sse:conversation-${c.id}" hx-swap="outerHTML">
    <span class="badge" data-status="${c.status}">${STATUS_LABELS[c.status]}</span>
    · Operator: <strong data-operator="${c.operatorId ?? ""}">${c.operatorId ? (names.get(c.operatorId) ?? c.operatorId) : "nobody yet"}</strong>
    · ${c.origin === "active_reply" ? "Answer to a dunning message" : c.origin === "receptive" ? "The debtor wrote first" : "Started by an operator"}
    ${c.answered?.preview ? html` · answered: ${c.answered.preview}` : null}
  </p>`;
}
