import { formatMoney } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { describeError } from "../commands/shared.js";
import { sendInConversation } from "../conversations/send.js";
import { forbidden, seesConversations } from "./access.js";
import { channelMap, templateParameters, templatePreview } from "./actions.js";
import { assignConversation } from "./assign.js";
import { consoleChannelId } from "./batch.js";
import { type ConsoleContext, formFields } from "./context.js";
import { STATUS_LABELS } from "./home.js";
import { html, page } from "./html.js";

const Params = z.object({ source: z.string().min(1).max(100), ref: z.string().min(1).max(200) });
const ContactForm = z.object({
  phone: z.string().regex(/^\+[1-9]\d{6,14}$/),
  template: z.coerce.number().int().min(0),
});

/**
 * /console/customers/:source/:ref: the customer's open invoices (fresh from the ERP), dunning
 * history and conversations, and one-to-one contact: a template to one of the customer's
 * numbers opens a conversation held by the operator ("initiated, not answered").
 */
export function registerCustomerPage(app: FastifyInstance, c: ConsoleContext): void {
  app.get("/console/customers/:source/:ref", async (req, reply) => {
    const { operator } = c.who(req);
    if (!seesConversations(operator)) return forbidden(reply, "no WhatsApp permission");
    const params = Params.safeParse(req.params);
    const customer = params.success ? await c.store.getCustomer(params.data.source, params.data.ref) : null;
    if (!params.success || !customer)
      return reply.code(404).type("text/plain; charset=utf-8").send("no such customer");
    let invoicesHtml = html``;
    try {
      const invoices = await c.engine.erp.listOpenInvoices(customer.source, customer.externalId);
      invoicesHtml = html`<table id="customer-invoices"><caption>Open invoices</caption><thead><tr><th scope="col">Invoice</th><th scope="col">Due</th><th scope="col">Open</th></tr></thead><tbody>
        ${invoices.length === 0 ? html`<tr><td colspan="3">none</td></tr>` : invoices.map((i) => html`<tr><td>${i.number}</td><td>${i.dueDate}</td><td>${formatMoney(i.openAmount)}</td></tr>`)}</tbody></table>`;
    } catch (error) {
      invoicesHtml = html`<p class="error">The ERP did not answer: ${describeError(error)}</p>`;
    }
    const history = await c.store.actionHistory(customer.source, customer.externalId);
    const conversations = await c.store.listConversations({
      source: customer.source,
      customerRef: customer.externalId,
      limit: 20,
    });
    const csrfToken = c.csrfToken(req, reply);
    const action = `/console/customers/${encodeURIComponent(customer.source)}/${encodeURIComponent(customer.externalId)}/contact`;
    return reply.type("text/html; charset=utf-8").send(
      page({
        title: customer.name,
        operator,
        csrfToken,
        body: html`<h1>${customer.name}</h1>
          <p>${customer.source} / ${customer.externalId}${customer.taxId ? html` · CPF/CNPJ ${customer.taxId}` : null}${customer.segment ? html` · segment ${customer.segment}` : null}</p>
          <div class="layout"><div>
          ${invoicesHtml}
          <table id="customer-history"><caption>Dunning history</caption><thead><tr><th scope="col">Step</th><th scope="col">Status</th><th scope="col">Sent</th></tr></thead><tbody>
          ${history.length === 0 ? html`<tr><td colspan="3">none</td></tr>` : history.map((h) => html`<tr><td>${h.stepId}</td><td>${h.status}</td><td>${h.sentAt ?? ""}</td></tr>`)}</tbody></table>
          <table id="customer-conversations"><caption>Conversations</caption><thead><tr><th scope="col">Opened</th><th scope="col">Status</th><th scope="col">Phone</th></tr></thead><tbody>
          ${conversations.items.length === 0 ? html`<tr><td colspan="3">none</td></tr>` : conversations.items.map((conv) => html`<tr><td><a href="/console/conversations/${conv.id}">${conv.openedAt.slice(0, 16).replace("T", " ")}</a></td><td>${STATUS_LABELS[conv.status]}</td><td>${conv.phone}</td></tr>`)}</tbody></table>
          </div>
          <section class="panel" aria-labelledby="contact-h"><h2 id="contact-h">Contact on WhatsApp</h2>
          ${
            customer.phones.length > 0 && c.config.templates.length > 0
              ? html`<form method="post" action="${action}">
              <input type="hidden" name="_csrf" value="${csrfToken}">
              <label for="contact-phone">Number</label>
              <select id="contact-phone" name="phone">${customer.phones.map((p) => html`<option>${p}</option>`)}</select>
              <label for="contact-template">Template</label>
              <select id="contact-template" name="template">${c.config.templates.map((t, i) => html`<option value="${i}">${t.label}</option>`)}</select>
              <p><button type="submit">Start conversation</button></p>
            </form>`
              : html`<p>${customer.phones.length === 0 ? "The customer has no phone number." : "No templates configured (console.templates)."}</p>`
          }</section></div>`,
      }),
    );
  });

  app.post(
    "/console/customers/:source/:ref/contact",
    { preHandler: app.csrfProtection },
    async (req, reply) => {
      const { operator } = c.who(req);
      if (!seesConversations(operator)) return forbidden(reply, "no WhatsApp permission");
      const params = Params.safeParse(req.params);
      const form = ContactForm.safeParse(formFields(req.body));
      const customer = params.success ? await c.store.getCustomer(params.data.source, params.data.ref) : null;
      const template = form.success ? c.config.templates[form.data.template] : undefined;
      const channel = consoleChannelId(c);
      if (!customer || !form.success || !template || !channel || !customer.phones.includes(form.data.phone)) {
        return reply
          .code(400)
          .type("text/plain; charset=utf-8")
          .send("pick one of the customer's numbers and a template");
      }
      if (
        await c.store.isOptedOut({
          phone: form.data.phone,
          source: customer.source,
          customerRef: customer.externalId,
        })
      ) {
        return reply.code(409).type("text/plain; charset=utf-8").send("the customer opted out of messages");
      }
      const opened = await c.store.openConversation({
        channel,
        phone: form.data.phone,
        source: customer.source,
        customerRef: customer.externalId,
        customerName: customer.name,
        taxId: customer.taxId ?? null,
        status: "initiated_not_answered",
        origin: "operator",
        at: c.now(),
      });
      // The number already has an open conversation: continue there instead of a second one.
      if (!opened.created) return reply.redirect(`/console/conversations/${opened.conversation.id}`, 303);
      const held =
        (await assignConversation(
          c,
          opened.conversation,
          operator,
          `operator:${operator.id}`,
          "one-to-one contact",
        )) ?? opened.conversation;
      const invoices = await c.engine.erp
        .listOpenInvoices(customer.source, customer.externalId)
        .catch(() => []);
      const body = templateParameters(template, held, invoices);
      await sendInConversation(
        { store: c.store, channels: channelMap(c), clock: c.clock },
        held,
        {
          kind: "template",
          template: { name: template.name, language: template.language, body },
          preview: templatePreview(template, body),
        },
        `operator:${operator.id}`,
      );
      await c.audit(req, "conversation.contact_started", `conversation:${held.id}`, {
        template: template.name,
        phone: form.data.phone,
      });
      return reply.redirect(`/console/conversations/${held.id}`, 303);
    },
  );
}
