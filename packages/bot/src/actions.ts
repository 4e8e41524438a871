import {
  type BotAction,
  type BotCustomer,
  type BotInput,
  type BotInvoice,
  type BotSettings,
  type Conversation,
  type ConversationPatch,
  type Customer,
  type DunningStore,
  type ErpLookups,
  type Invoice,
  isDunnable,
  isReguaError,
  type Logger,
  postalCodeIn,
} from "@regua/core";
import type { Outbox } from "./outbox.js";
import { maskTaxId, renderDebtStatement } from "./statement.js";

/** What an action needs: the ERP, the store, where replies go, and the conversation. */
export interface BotIo {
  settings: BotSettings;
  store: DunningStore;
  erp: ErpLookups;
  sources: readonly string[];
  clock: { now(): Date };
  log: Logger;
  outbox: Outbox;
  conversation: Conversation;
}

export interface ActionResult {
  /** The answer to feed the machine next (a lookup's result). */
  input?: BotInput;
  /** Changes to the conversation row. */
  patch?: Omit<ConversationPatch, "at">;
}

export async function runAction(io: BotIo, action: BotAction): Promise<ActionResult> {
  switch (action.type) {
    case "reply":
      await io.outbox.reply(action.reply);
      return {};
    case "find_customers":
      return { input: await findCustomers(io, action.taxId) };
    case "check_factor":
      return { input: await checkFactor(io, action) };
    case "identified": {
      const { customer } = action;
      return {
        patch: {
          source: customer.source,
          customerRef: customer.customerRef,
          customerName: customer.name,
          taxId: customer.taxId,
        },
      };
    }
    case "list_invoices":
      return { input: await listInvoices(io, action.customer) };
    case "send_document":
      await sendDocument(io, action);
      return {};
    case "send_statement":
      await sendStatement(io, action);
      return {};
    case "hand_off":
      await audit(io, "bot.hand_off", {});
      return { patch: { status: "with_operator" } };
    case "close":
      return {
        patch: { status: "closed", closingReason: action.reason === "idle" ? "idle" : "bot_finished" },
      };
  }
}

function describe(error: unknown): string {
  if (isReguaError(error)) return error.describe();
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function audit(io: BotIo, action: string, detail: Record<string, unknown>): Promise<void> {
  return io.store.appendAudit({
    at: io.clock.now().toISOString(),
    actor: `bot:${io.conversation.channel}`,
    action,
    subject: io.conversation.phone,
    detail: { conversation: io.conversation.id, ...detail },
  });
}

/**
 * Lookups per number are rate-limited across every runner on the store (a token bucket in the
 * store: `lookupsPerHour`, bursts of as many), so nobody can walk through CPFs from one phone.
 */
async function allowLookup(io: BotIo): Promise<boolean> {
  const perHour = io.settings.lookupsPerHour;
  const nowMs = io.clock.now().getTime();
  const { firstMs } = await io.store.reserveRate({
    key: `bot-lookup:${io.conversation.phone}`,
    perSecond: perHour / 3600,
    burst: perHour,
    count: 1,
    nowMs,
  });
  return firstMs <= nowMs;
}

async function customersByTaxId(io: BotIo, taxId: string): Promise<Customer[]> {
  const found: Customer[] = [];
  for (const source of io.sources) found.push(...(await io.erp.findCustomersByTaxId(source, taxId)));
  return found.filter((customer) => !customer.deletedAt);
}

function botCustomer(customer: Customer, taxId: string): BotCustomer {
  return { source: customer.source, customerRef: customer.externalId, name: customer.name, taxId };
}

/** Every lookup is audited: who (the number), which id (masked), what was found. */
async function findCustomers(io: BotIo, taxId: string): Promise<BotInput> {
  const masked = maskTaxId(taxId);
  if (!(await allowLookup(io))) {
    await audit(io, "bot.lookup", { taxId: masked, outcome: "rate_limited" });
    return { type: "lookup_refused", reason: "rate_limited" };
  }
  try {
    const customers = await customersByTaxId(io, taxId);
    const found = customers.map((customer) => ({
      ...botCustomer(customer, taxId),
      phoneMatches: customer.phones.includes(io.conversation.phone),
    }));
    const matched = found.filter((c) => c.phoneMatches).length;
    await audit(io, "bot.lookup", {
      taxId: masked,
      outcome: "answered",
      found: found.length,
      phoneMatches: matched,
    });
    return { type: "customers", taxId, found };
  } catch (error) {
    io.log.warn({ conversation: io.conversation.id, error: describe(error) }, "CPF/CNPJ lookup failed");
    await audit(io, "bot.lookup", { taxId: masked, outcome: "failed", error: describe(error) });
    return { type: "lookup_refused", reason: "failed" };
  }
}

/** The second factor, compared with a fresh read of the ERP (never kept in the conversation). */
async function checkFactor(
  io: BotIo,
  action: Extract<BotAction, { type: "check_factor" }>,
): Promise<BotInput> {
  try {
    const customers = await customersByTaxId(io, action.taxId);
    const match = customers.find((customer) =>
      action.factor === "birth_date"
        ? customer.birthDate === action.answer
        : customer.postalCode !== null &&
          customer.postalCode !== undefined &&
          postalCodeIn(customer.postalCode) === action.answer,
    );
    await audit(io, "bot.second_factor", {
      taxId: maskTaxId(action.taxId),
      factor: action.factor,
      outcome: match ? "confirmed" : "refused",
    });
    return { type: "factor_checked", customer: match ? botCustomer(match, action.taxId) : null };
  } catch (error) {
    io.log.warn({ conversation: io.conversation.id, error: describe(error) }, "second factor check failed");
    return { type: "lookup_refused", reason: "failed" };
  }
}

function toBotInvoice(invoice: Invoice): BotInvoice {
  return {
    ref: invoice.externalId,
    number: invoice.number,
    dueDate: invoice.dueDate,
    openAmount: invoice.openAmount,
    boletoLine: invoice.instruments.boletoLine,
  };
}

async function openInvoices(io: BotIo, customer: BotCustomer): Promise<Invoice[]> {
  const invoices = await io.erp.listOpenInvoices(customer.source, customer.customerRef);
  return invoices.filter((i) => isDunnable(i.status) && i.openAmount.amountMinor > 0 && !i.deletedAt);
}

async function listInvoices(io: BotIo, customer: BotCustomer): Promise<BotInput> {
  try {
    return { type: "invoices", invoices: (await openInvoices(io, customer)).map(toBotInvoice) };
  } catch (error) {
    io.log.warn({ conversation: io.conversation.id, error: describe(error) }, "listing open invoices failed");
    return { type: "lookup_refused", reason: "failed" };
  }
}

/** The document of the first listed invoice that has one, read fresh from the ERP. */
async function sendDocument(io: BotIo, action: Extract<BotAction, { type: "send_document" }>): Promise<void> {
  const { customer } = action;
  try {
    const fresh = new Map((await openInvoices(io, customer)).map((i) => [i.externalId, i]));
    for (const listed of action.invoices) {
      const invoice = fresh.get(listed.ref);
      if (!invoice) continue;
      const document = await io.erp.getDocument(customer.source, invoice, action.document);
      if (!document) continue;
      await audit(io, "bot.document", { kind: action.document, invoice: invoice.externalId });
      if (document.type === "file") {
        const upload = { bytes: document.bytes, mime: document.mime };
        await io.outbox.document({ upload, filename: document.filename }, `${invoice.number}`);
      } else if (document.type === "url") {
        const filename = document.filename ?? `${action.document}-${invoice.number}.pdf`;
        await io.outbox.document({ link: document.url, filename }, `${invoice.number}`);
      } else {
        await io.outbox.reply({ type: "text", text: document.text });
      }
      return;
    }
  } catch (error) {
    io.log.warn({ conversation: io.conversation.id, error: describe(error) }, "document fetch failed");
  }
  await io.outbox.reply({ type: "text", text: action.missing });
}

async function sendStatement(
  io: BotIo,
  action: Extract<BotAction, { type: "send_statement" }>,
): Promise<void> {
  const { customer } = action;
  const bytes = await renderDebtStatement({
    companyName: io.settings.companyName,
    customerName: customer.name,
    taxId: customer.taxId,
    invoices: action.invoices,
    language: io.settings.language,
    issuedAt: io.clock.now(),
  });
  await audit(io, "bot.document", { kind: "statement", invoices: action.invoices.length });
  const filename = `extrato-${customer.customerRef}.pdf`.replace(/[^\w.-]/g, "_");
  await io.outbox.document({ upload: { bytes, mime: "application/pdf" }, filename }, action.caption);
}
