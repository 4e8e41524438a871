import type { PlannedAction } from "../actions.js";
import type { OutboundMessage, TemplateMessage, TemplateParameter } from "../contracts.js";
import { fromZodError, ValidationError } from "../errors.js";
import type { Customer, Invoice } from "../model.js";
import { addMoney, formatMoney, type Money } from "../money.js";
import {
  LIFECYCLE_KINDS,
  type LifecycleKind,
  type MessageSpec,
  MessageSpecSchema,
  type Policy,
  VARIABLE_ALIASES,
  type VariableSource,
} from "./schema.js";

export interface RenderInput {
  policy: Policy;
  action: PlannedAction;
  customer: Customer;
  invoices: readonly Invoice[];
  /** E.164 recipient. */
  to: string;
}

/** Lifecycle actions carry `stepId: "lifecycle:<kind>"`, e.g. "lifecycle:paymentConfirmation". */
export const LIFECYCLE_STEP_PREFIX = "lifecycle:";
/**
 * Actions an operator planned from the console (a batch action, a one-to-one contact) are not a
 * policy step: they carry their message (channel, template, variables) in `payload.message`, and
 * go through the same outbox, dispatch and rate limits as the policy's.
 */
export const CONSOLE_STEP_PREFIX = "console:";

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** "2026-11-25" → "25/11/2026" for pt-BR; one cached formatter per locale. */
export function formatIsoDate(isoDate: string, locale: string): string {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, {
      timeZone: "UTC",
      day: "2-digit",
      month: "2-digit",
      year: "numeric",
    });
    dateFormats.set(locale, format);
  }
  return format.format(new Date(`${isoDate}T00:00:00Z`));
}

/**
 * Renders the message an action sends: template name/language and body parameters in the
 * order of the step's `variables`, filled from the canonical model. Numeric variable names
 * ("1", "2") are positional parameters; other names are WhatsApp named parameters.
 * With several invoices, `invoice.*` means the oldest one (earliest due date).
 * Throws ValidationError naming the step and variable when a value is missing.
 */
export function renderMessage(input: RenderInput): OutboundMessage {
  const { policy, action, customer, to } = input;
  const spec = findMessageSpec(policy, action);
  const invoices = selectInvoices(action, input.invoices);
  const context: RenderContext = { policy, action, customer, invoices, spec };
  const body: TemplateParameter[] = [];
  for (const [name, source] of Object.entries(spec.variables)) {
    const parameter = resolveVariable(context, name, source);
    if (!/^\d+$/.test(name)) parameter.name = name;
    body.push(parameter);
  }
  const template: TemplateMessage = { name: spec.template.name, language: spec.template.language, body };
  const documentUrl = invoices[0]?.instruments.documentUrl;
  if (spec.attachDocument && documentUrl) {
    const filename = `boleto-${(invoices[0] as Invoice).number.replace(/[^\w.-]/g, "_")}.pdf`;
    template.header = { type: "document", document: { link: documentUrl, filename } };
  }
  if (spec.buttons && spec.buttons.length > 0) {
    template.buttons = spec.buttons.map((button) => ({
      index: button.index,
      subType: button.type,
      parameter: parameterText(resolveVariable(context, `buttons[${button.index}]`, button.source)),
    }));
  }
  const shown = body.map((p, i) => `${p.name ?? i + 1}=${parameterText(p)}`).join(", ");
  const preview = `${spec.template.name} (${spec.template.language}) → ${to}: ${shown}`;
  return { actionKey: action.key, to, template, preview };
}

function parameterText(parameter: TemplateParameter): string {
  return parameter.type === "text" ? parameter.text : parameter.fallback;
}

interface RenderContext {
  policy: Policy;
  action: PlannedAction;
  customer: Customer;
  invoices: readonly Invoice[];
  spec: MessageSpec;
}

/** The template to send instead while the action's own is blocked by the provider, if the policy names one. */
export function templateFallback(
  policy: Policy,
  action: PlannedAction,
): { name: string; language?: string | undefined } | null {
  return findMessageSpec(policy, action).template.fallback ?? null;
}

function findMessageSpec(policy: Policy, action: PlannedAction): MessageSpec {
  const where = `action ${action.key}`;
  if (action.stepId.startsWith(CONSOLE_STEP_PREFIX)) {
    const parsed = MessageSpecSchema.safeParse(action.payload.message);
    if (!parsed.success) throw fromZodError(parsed.error, `${where} payload.message`);
    return parsed.data;
  }
  if (action.stepId.startsWith(LIFECYCLE_STEP_PREFIX)) {
    const kind = action.stepId.slice(LIFECYCLE_STEP_PREFIX.length) as LifecycleKind;
    const spec = LIFECYCLE_KINDS.includes(kind) ? policy.lifecycle[kind] : undefined;
    if (!spec) throw new ValidationError(`policy has no lifecycle message "${kind}"`, [], { where });
    return spec;
  }
  const step = policy.steps.find((s) => s.id === action.stepId);
  if (!step) throw new ValidationError(`policy has no step "${action.stepId}"`, [], { where });
  if (step.action !== "message" || !step.channel || !step.template) {
    throw new ValidationError(`step "${step.id}" is an ${step.action} step, not a message`, [], { where });
  }
  return {
    channel: step.channel,
    template: step.template,
    variables: step.variables,
    attachDocument: step.attachDocument,
    buttons: step.buttons,
  };
}

/** The action's invoices (all given ones when none match its refs), oldest due date first. */
function selectInvoices(action: PlannedAction, given: readonly Invoice[]): Invoice[] {
  const refs = new Set(action.invoiceRefs);
  const matching = given.filter((invoice) => refs.has(invoice.externalId));
  const chosen = matching.length > 0 ? matching : [...given];
  return chosen.sort((a, b) =>
    a.dueDate === b.dueDate ? a.number.localeCompare(b.number) : a.dueDate < b.dueDate ? -1 : 1,
  );
}

/** `name` is a variable name, or "buttons[0]" for a button's parameter. */
function resolveVariable(context: RenderContext, name: string, given: VariableSource): TemplateParameter {
  if (typeof given !== "string") return { type: "text", text: given.literal };
  const source = VARIABLE_ALIASES[given] ?? given;
  const { customer, invoices, policy } = context;
  const missing = (what: string): never => {
    const path = `${stepPath(context)}.${name.startsWith("buttons[") ? name : `variables.${name}`}`;
    const message = `${context.action.stepId}: ${name.startsWith("buttons[") ? name : `variable "${name}"`} (${source}) is missing: ${what}`;
    throw new ValidationError(message, [{ path, message: `${source} is missing` }], {
      where: `action ${context.action.key}`,
    });
  };
  const text = (value: string | null | undefined, what: string): TemplateParameter =>
    value && value.trim() !== "" ? { type: "text", text: value } : missing(what);
  const invoice = (): Invoice => invoices[0] ?? missing("the action has no invoice");
  const currency = (amount: Money): TemplateParameter => ({
    type: "currency",
    amount,
    fallback: formatMoney(amount, policy.locale),
  });
  switch (source) {
    case "customer.name":
      return text(customer.name, `customer ${customer.externalId} has no name`);
    case "customer.firstName":
      return text(customer.name.trim().split(/\s+/)[0], `customer ${customer.externalId} has no name`);
    case "invoice.number":
      return text(invoice().number, "invoice number");
    case "invoice.openAmount":
      return currency(invoice().openAmount);
    case "invoice.total":
      return currency(invoice().total);
    case "invoice.dueDate": {
      const due = invoice().dueDate;
      return { type: "date_time", date: due, fallback: formatIsoDate(due, policy.locale) };
    }
    case "invoice.boletoLine":
      return text(invoice().instruments.boletoLine, `invoice ${invoice().number} has no boleto line`);
    case "invoice.pixCode":
      return text(invoice().instruments.pixCode, `invoice ${invoice().number} has no PIX code`);
    case "invoice.payLink":
      return text(invoice().instruments.payLink, `invoice ${invoice().number} has no pay link`);
    case "invoices.count":
      return invoices.length > 0 ? { type: "text", text: String(invoices.length) } : missing("no invoices");
    case "invoices.totalOpen":
      return currency(totalOpen(invoices) ?? missing("no invoices, or invoices in different currencies"));
    case "invoices.list":
      return invoices.length > 0
        ? { type: "text", text: listInvoices(invoices, policy.locale) }
        : missing("no invoices");
    default:
      return { type: "text", text: source };
  }
}

function stepPath(context: RenderContext): string {
  const { stepId } = context.action;
  if (stepId.startsWith(LIFECYCLE_STEP_PREFIX))
    return `lifecycle.${stepId.slice(LIFECYCLE_STEP_PREFIX.length)}`;
  if (stepId.startsWith(CONSOLE_STEP_PREFIX)) return "payload.message";
  return `steps[${context.policy.steps.findIndex((s) => s.id === stepId)}]`;
}

function totalOpen(invoices: readonly Invoice[]): Money | null {
  const [first, ...rest] = invoices;
  if (!first) return null;
  let total = first.openAmount;
  for (const invoice of rest) {
    if (invoice.openAmount.currency !== total.currency) return null;
    total = addMoney(total, invoice.openAmount);
  }
  return total;
}

/** One line (WhatsApp parameters may not contain newlines): "nº 123 R$ 10,00 venc. 25/11/2026; …". */
function listInvoices(invoices: readonly Invoice[], locale: string): string {
  const portuguese = locale.toLowerCase().startsWith("pt");
  const line = (i: Invoice) => {
    const amount = formatMoney(i.openAmount, locale);
    const due = formatIsoDate(i.dueDate, locale);
    return portuguese ? `nº ${i.number} ${amount} venc. ${due}` : `#${i.number} ${amount} due ${due}`;
  };
  const shown = invoices.slice(0, LIST_LIMIT).map(line).join("; ");
  return invoices.length > LIST_LIMIT ? `${shown}; … (+${invoices.length - LIST_LIMIT})` : shown;
}

/** WhatsApp caps a template body at 1,024 characters: the list shows the oldest 10 invoices. */
const LIST_LIMIT = 10;
