import { renderDebtStatement } from "@regua/bot";
import type { Channel, Conversation, DocumentRef, Invoice, TemplateParameter } from "@regua/core";
import { formatMoney } from "@regua/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { describeError } from "../commands/shared.js";
import { type ConversationOutbound, sendInConversation, serviceWindowOpen } from "../conversations/send.js";
import { assignConversation } from "./assign.js";
import { type ConsoleContext, formFields } from "./context.js";
import { type Loaded, loadConversation, openInvoicesOf, renderActions } from "./conversation.js";
import { noticeLine } from "./conversation-view.js";
import type { ConsoleTemplate } from "./schema.js";

const ReplyForm = z.object({ text: z.string().trim().min(1, "write something").max(4096) });
const TemplateForm = z.object({ template: z.coerce.number().int().min(0) });
const DocumentForm = z.object({
  document: z.union([z.literal("statement"), z.literal("agreement_term"), z.string().regex(/^boleto:.+$/)]),
});
const TransferForm = z.object({ to: z.string().min(1), reason: z.string().trim().max(200).optional() });

/** The channels by id, for sending in a conversation. */
export const channelMap = (c: ConsoleContext) =>
  new Map<string, Channel>(c.channels.map((p) => [p.id, p.instance]));

/**
 * Fills a console template's variables for a message sent in a conversation, with the policy's
 * variable names (docs/console.md): customer.name, customer.firstName, invoices.totalOpen,
 * invoices.count; anything else is sent as written. Batch actions are rendered by core instead.
 */
export function templateParameters(
  template: ConsoleTemplate,
  conversation: Conversation,
  invoices: readonly Invoice[],
): TemplateParameter[] {
  const name = conversation.customerName ?? "";
  const total = invoices.reduce((sum, i) => sum + i.openAmount.amountMinor, 0);
  const currency = invoices[0]?.openAmount.currency ?? "BRL";
  return template.variables.map((variable): TemplateParameter => {
    if (variable === "customer.name") return { type: "text", text: name || conversation.phone };
    if (variable === "customer.firstName")
      return { type: "text", text: name.split(/\s+/)[0] || conversation.phone };
    if (variable === "invoices.count") return { type: "text", text: String(invoices.length) };
    if (variable === "invoices.totalOpen") {
      const amount = { amountMinor: total, currency } as Invoice["openAmount"];
      return { type: "currency", amount, fallback: formatMoney(amount) };
    }
    return { type: "text", text: variable };
  });
}

export function templatePreview(template: ConsoleTemplate, parameters: readonly TemplateParameter[]): string {
  const shown = parameters.map((p) => (p.type === "text" ? p.text : p.fallback));
  return `[${template.label}] ${shown.join(" · ")}`.trim();
}

/**
 * POST /console/conversations/:id/{reply,template,document,upload,transfer,close}. An operator
 * acting on a waiting conversation takes it first; every action is audited.
 */
export function registerConversationActions(app: FastifyInstance, c: ConsoleContext): void {
  const protectedPost = { preHandler: app.csrfProtection };
  const author = (loaded: Loaded) => `operator:${loaded.operator.id}`;
  const respond = async (
    req: FastifyRequest,
    reply: FastifyReply,
    loaded: Loaded,
    notice: string,
    status = 200,
  ) => {
    if (req.headers["hx-request"] !== "true")
      return reply.redirect(`/console/conversations/${loaded.conversation.id}`, 303);
    const panel = await renderActions(c, req, reply, loaded);
    // The page's htmx-config swaps 4xx answers too: a refused action shows its notice.
    return reply
      .code(status)
      .type("text/html; charset=utf-8")
      .send(panel.text + noticeLine(notice, true).text);
  };
  /** Loads the conversation for an action: open, and held by this operator (taking it when it waits). */
  const forAction = async (req: FastifyRequest, reply: FastifyReply): Promise<Loaded | null> => {
    const loaded = await loadConversation(c, req, reply);
    if (!loaded) return null;
    let { conversation } = loaded;
    if (conversation.status === "closed") {
      await respond(req, reply, loaded, "This conversation is closed.", 409);
      return null;
    }
    if (conversation.operatorId === null) {
      const taken = await assignConversation(
        c,
        conversation,
        loaded.operator,
        author(loaded),
        "taken from the queue",
      );
      if (!taken) {
        await respond(req, reply, loaded, "Someone else changed this conversation; look again.", 409);
        return null;
      }
      conversation = taken;
    }
    return { conversation, operator: loaded.operator };
  };
  const send = async (loaded: Loaded, outbound: ConversationOutbound) => {
    const message = await sendInConversation(
      { store: c.store, channels: channelMap(c), clock: c.clock },
      loaded.conversation,
      outbound,
      author(loaded),
    );
    return message.status === "failed" ? `Not sent: ${message.error ?? "the channel refused it"}` : null;
  };
  const formError = (error: z.ZodError) => error.issues[0]?.message ?? "invalid form";

  app.post("/console/conversations/:id/reply", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    const form = ReplyForm.safeParse(formFields(req.body));
    if (!form.success) return respond(req, reply, loaded, formError(form.error), 400);
    if (!serviceWindowOpen(loaded.conversation, c.clock.now())) {
      return respond(req, reply, loaded, "The 24-hour window is closed: send a template instead.", 409);
    }
    const failed = await send(loaded, { kind: "text", text: form.data.text });
    await c.audit(req, "conversation.replied", `conversation:${loaded.conversation.id}`, { failed });
    return respond(req, reply, loaded, failed ?? "Reply sent.");
  });

  app.post("/console/conversations/:id/template", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    const form = TemplateForm.safeParse(formFields(req.body));
    const template = form.success ? c.config.templates[form.data.template] : undefined;
    if (!template) return respond(req, reply, loaded, "Pick one of the configured templates.", 400);
    const { invoices } = await openInvoicesOf(c, loaded.conversation);
    const body = templateParameters(template, loaded.conversation, invoices ?? []);
    const failed = await send(loaded, {
      kind: "template",
      template: { name: template.name, language: template.language, body },
      preview: templatePreview(template, body),
    });
    await c.audit(req, "conversation.template_sent", `conversation:${loaded.conversation.id}`, {
      template: template.name,
      failed,
    });
    return respond(req, reply, loaded, failed ?? `Template "${template.label}" sent.`);
  });

  app.post("/console/conversations/:id/document", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    const form = DocumentForm.safeParse(formFields(req.body));
    if (!form.success) return respond(req, reply, loaded, "Pick a document.", 400);
    if (!serviceWindowOpen(loaded.conversation, c.clock.now())) {
      return respond(req, reply, loaded, "The 24-hour window is closed: send a template instead.", 409);
    }
    let document: DocumentRef | string;
    try {
      document = await documentFor(c, loaded.conversation, form.data.document);
    } catch (error) {
      return respond(req, reply, loaded, `No document: ${describeError(error)}`, 409);
    }
    const failed =
      typeof document === "string"
        ? await send(loaded, { kind: "text", text: document })
        : await send(loaded, { kind: "document", document, preview: document.caption ?? document.filename });
    await c.audit(req, "conversation.document_sent", `conversation:${loaded.conversation.id}`, {
      document: form.data.document,
      failed,
    });
    return respond(req, reply, loaded, failed ?? "Document sent.");
  });

  app.post("/console/conversations/:id/upload", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    if (!serviceWindowOpen(loaded.conversation, c.clock.now())) {
      return respond(req, reply, loaded, "The 24-hour window is closed: send a template instead.", 409);
    }
    const file = req.isMultipart() ? await req.file() : undefined;
    if (!file) return respond(req, reply, loaded, "Choose a file.", 400);
    const bytes = await file.toBuffer();
    if (file.file.truncated || bytes.byteLength === 0) {
      return respond(
        req,
        reply,
        loaded,
        `The file must be between 1 byte and ${c.config.uploadMaxBytes} bytes.`,
        413,
      );
    }
    const filename = file.filename.replace(/[^\p{L}\p{N}._ -]/gu, "_").slice(0, 120) || "document";
    const failed = await send(loaded, {
      kind: "document",
      document: { filename, upload: { bytes, mime: file.mimetype || "application/octet-stream" } },
      preview: filename,
    });
    await c.audit(req, "conversation.file_sent", `conversation:${loaded.conversation.id}`, {
      filename,
      bytes: bytes.byteLength,
      failed,
    });
    return respond(req, reply, loaded, failed ?? `File ${filename} sent.`);
  });

  app.post("/console/conversations/:id/transfer", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    const form = TransferForm.safeParse(formFields(req.body));
    const to = form.success ? await c.store.operators.getOperator(form.data.to) : null;
    if (!form.success || !to?.whatsapp || to.disabled || to.id === loaded.conversation.operatorId) {
      return respond(req, reply, loaded, "Pick another operator with the WhatsApp permission.", 400);
    }
    const moved = await assignConversation(
      c,
      loaded.conversation,
      to,
      author(loaded),
      form.data.reason || null,
    );
    if (!moved)
      return respond(req, reply, loaded, "Someone else changed this conversation; look again.", 409);
    // The operator who gave it away may no longer see it: send them back to the queue.
    if (!(loaded.operator.role === "supervisor") && req.headers["hx-request"] === "true") {
      return reply.header("hx-redirect", "/console").send();
    }
    return respond(req, reply, { ...loaded, conversation: moved }, `Transferred to ${to.name}.`);
  });

  app.post("/console/conversations/:id/close", protectedPost, async (req, reply) => {
    const loaded = await forAction(req, reply);
    if (!loaded) return reply;
    const closing = c.config.closingMessage.trim();
    let note = "Conversation closed.";
    if (closing !== "") {
      if (serviceWindowOpen(loaded.conversation, c.clock.now())) {
        const failed = await send(loaded, { kind: "text", text: closing });
        if (failed) note = `Conversation closed; the closing message was not sent (${failed}).`;
      } else {
        note = "Conversation closed; the closing message was not sent: the 24-hour window is closed.";
      }
    }
    const current = (await c.store.getConversation(loaded.conversation.id)) ?? loaded.conversation;
    await c.store.updateConversation(current.id, {
      status: "closed",
      closingReason: `closed by ${loaded.operator.name}`,
      at: c.now(),
    });
    await c.audit(req, "conversation.closed", `conversation:${current.id}`, { note });
    return respond(req, reply, loaded, note);
  });
}

/** The document an operator picked, from the ERP (boleto, agreement term) or generated (the statement). */
async function documentFor(
  c: ConsoleContext,
  conversation: Conversation,
  choice: string,
): Promise<DocumentRef | string> {
  const { source, customerRef } = conversation;
  if (!source || !customerRef) throw new Error("the customer is not identified yet");
  const invoices = await c.engine.erp.listOpenInvoices(source, customerRef);
  if (choice === "statement") {
    const customer = await c.store.getCustomer(source, customerRef);
    const at = c.now();
    // The same statement the self-service bot sends (@regua/bot).
    const bytes = await renderDebtStatement({
      companyName: c.config.companyName,
      customerName: customer?.name ?? conversation.customerName ?? conversation.phone,
      taxId: customer?.taxId ?? conversation.taxId ?? "",
      invoices: invoices.map((i) => ({
        ref: i.externalId,
        number: i.number,
        dueDate: i.dueDate,
        openAmount: i.openAmount,
        boletoLine: i.instruments.boletoLine,
      })),
      language: "pt-BR",
      issuedAt: new Date(at),
    });
    return {
      filename: `extrato-${customerRef}-${at.slice(0, 10)}.pdf`,
      upload: { bytes, mime: "application/pdf" },
      caption: "Extrato de débitos",
    };
  }
  const kind = choice === "agreement_term" ? "agreement_term" : "boleto_pdf";
  const invoice = choice.startsWith("boleto:")
    ? invoices.find((i) => i.externalId === choice.slice("boleto:".length))
    : invoices[0];
  if (!invoice) throw new Error("the invoice is no longer open");
  const found = await c.engine.erp.getDocument(source, invoice, kind);
  if (!found)
    throw new Error(
      `the ERP has no ${kind === "boleto_pdf" ? "boleto" : "agreement term"} for ${invoice.number}`,
    );
  if (found.type === "text") return found.text;
  const caption = kind === "boleto_pdf" ? `Boleto ${invoice.number}` : "Termo de acordo";
  if (found.type === "url")
    return { link: found.url, filename: found.filename ?? `${kind}-${invoice.number}.pdf`, caption };
  return { filename: found.filename, upload: { bytes: found.bytes, mime: found.mime }, caption };
}
