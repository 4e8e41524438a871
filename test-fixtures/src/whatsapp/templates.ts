/**
 * Message templates as the fake's WhatsApp Business Account holds them, in the shape of
 * `GET /{Version}/{WABA-ID}/message_templates` (components HEADER / BODY / FOOTER / BUTTONS).
 */
export type FakeTemplateButton =
  | { type: "URL"; text: string; url: string }
  | { type: "QUICK_REPLY"; text: string }
  | { type: "COPY_CODE"; example?: string };

export interface FakeTemplate {
  name: string;
  /** Locale code as Meta writes it: "pt_BR". */
  language: string;
  status?: "APPROVED" | "PENDING" | "REJECTED" | "PAUSED" | "DISABLED";
  category?: "UTILITY" | "MARKETING" | "AUTHENTICATION";
  /** Derived from the placeholders when absent: {{1}} → POSITIONAL, {{nome}} → NAMED. */
  parameterFormat?: "POSITIONAL" | "NAMED";
  header?: { format: "TEXT"; text: string } | { format: "DOCUMENT" | "IMAGE" | "VIDEO" };
  body: string;
  footer?: string;
  buttons?: FakeTemplateButton[];
}

export interface TemplateRejection {
  code: 132000 | 132001 | 132012 | 132015 | 132016;
  details: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

export function placeholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "");
}

export const DEFAULT_TEMPLATES: FakeTemplate[] = [
  {
    name: "lembrete_vencimento",
    language: "pt_BR",
    category: "UTILITY",
    body: "Olá {{1}}, sua fatura {{2}} de {{3}} vence em {{4}}.",
    buttons: [{ type: "URL", text: "Pagar", url: "https://pay.example.com/{{1}}" }],
  },
  {
    name: "boleto_vencido",
    language: "pt_BR",
    category: "UTILITY",
    header: { format: "DOCUMENT" },
    body: "{{nome}}, a fatura {{fatura}} venceu. Valor: {{valor}}.",
    buttons: [{ type: "COPY_CODE", example: "PIX" }],
  },
  {
    name: "cobranca_opcoes",
    language: "pt_BR",
    category: "UTILITY",
    body: "Olá {{1}}, a fatura {{2}} está em aberto. Como podemos ajudar?",
    buttons: [
      { type: "QUICK_REPLY", text: "Já paguei" },
      { type: "QUICK_REPLY", text: "Vou pagar dia 10" },
      { type: "QUICK_REPLY", text: "Falar com atendente" },
    ],
  },
  {
    name: "documento_disponivel",
    language: "pt_BR",
    category: "UTILITY",
    header: { format: "DOCUMENT" },
    body: "Segue o documento que você pediu. Responda esta mensagem se precisar de algo mais.",
  },
  {
    name: "confirmacao_pagamento",
    language: "pt_BR",
    category: "UTILITY",
    body: "Recebemos seu pagamento, {{1}}. Obrigado!",
  },
];

interface ComponentJson {
  type?: string;
  sub_type?: string;
  index?: string;
  parameters?: { type?: string; parameter_name?: string }[];
}

/** What Meta answers for a template send that does not fit the approved template. */
export function checkTemplateSend(
  templates: readonly FakeTemplate[],
  template: { name: string; language: { code: string }; components?: ComponentJson[] },
): TemplateRejection | null {
  const found = templates.find((t) => t.name === template.name && t.language === template.language.code);
  // https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes: 132015 / 132016.
  if (found?.status === "PAUSED") return { code: 132015, details: `template ${found.name} is paused` };
  if (found?.status === "DISABLED") return { code: 132016, details: `template ${found.name} is disabled` };
  if (!found || (found.status ?? "APPROVED") !== "APPROVED") {
    return {
      code: 132001,
      details: `template name (${template.name}) does not exist in ${template.language.code}`,
    };
  }
  const components = template.components ?? [];
  const byType = (type: string) => components.find((c) => c.type === type);
  const body = checkParameters("body", placeholders(found.body), byType("body")?.parameters ?? []);
  if (body) return body;
  const header = byType("header")?.parameters ?? [];
  if (found.header?.format === "TEXT") {
    const problem = checkParameters("header", placeholders(found.header.text), header);
    if (problem) return problem;
  } else if (found.header) {
    const wanted = found.header.format.toLowerCase();
    if (header.length !== 1 || header[0]?.type !== wanted) {
      return { code: 132012, details: `header: Format mismatch, expected ${found.header.format}` };
    }
  } else if (header.length > 0) {
    return {
      code: 132000,
      details: "header: number of localizable_params (1) does not match the expected number of params (0)",
    };
  }
  return checkButtons(
    found.buttons ?? [],
    components.filter((c) => c.type === "button"),
  );
}

function checkParameters(
  where: string,
  expected: string[],
  given: { type?: string; parameter_name?: string }[],
): TemplateRejection | null {
  if (given.length !== expected.length) {
    return {
      code: 132000,
      details: `${where}: number of localizable_params (${given.length}) does not match the expected number of params (${expected.length})`,
    };
  }
  const named = expected.some((name) => !/^\d+$/.test(name));
  if (!named) return null;
  const names = new Set(given.map((p) => p.parameter_name));
  const missing = expected.filter((name) => !names.has(name));
  return missing.length === 0
    ? null
    : { code: 132000, details: `${where}: missing named parameters ${missing.join(", ")}` };
}

function checkButtons(buttons: FakeTemplateButton[], given: ComponentJson[]): TemplateRejection | null {
  for (const component of given) {
    const button = buttons[Number(component.index)];
    if (!button) return { code: 132000, details: `button at index ${component.index} does not exist` };
    const wanted = button.type === "URL" ? "url" : button.type === "COPY_CODE" ? "copy_code" : "quick_reply";
    if (component.sub_type !== wanted) {
      return { code: 132012, details: `button at index ${component.index}: expected sub_type ${wanted}` };
    }
  }
  for (const [index, button] of buttons.entries()) {
    const needsParameter =
      (button.type === "URL" && placeholders(button.url).length > 0) || button.type === "COPY_CODE";
    if (needsParameter && !given.some((c) => Number(c.index) === index)) {
      return {
        code: 132000,
        details: `button at index ${index}: number of localizable_params (0) does not match the expected number of params (1)`,
      };
    }
  }
  return null;
}

/** One element of `data` in the message_templates listing. */
export function templateListingEntry(template: FakeTemplate, id: string) {
  const components: Record<string, unknown>[] = [];
  if (template.header) components.push({ type: "HEADER", ...template.header });
  components.push({ type: "BODY", text: template.body });
  if (template.footer) components.push({ type: "FOOTER", text: template.footer });
  if (template.buttons?.length) components.push({ type: "BUTTONS", buttons: template.buttons });
  const named = placeholders(template.body).some((name) => !/^\d+$/.test(name));
  return {
    name: template.name,
    language: template.language,
    status: template.status ?? "APPROVED",
    category: template.category ?? "UTILITY",
    parameter_format: template.parameterFormat ?? (named ? "NAMED" : "POSITIONAL"),
    components,
    id,
  };
}

/**
 * What the webhook says when the customer taps quick-reply button `index` of a template
 * message: `button.text` is the button's label, `button.payload` the payload the business set
 * on that button when sending (Meta falls back to the label when none was set).
 */
export function quickReplyTap(
  templates: readonly FakeTemplate[],
  body: Record<string, unknown>,
  index: number,
): { type: "button"; payload: string; text: string } {
  const template = body.template as
    | { name?: string; components?: (ComponentJson & { parameters?: { payload?: string }[] })[] }
    | undefined;
  const found = templates.find((t) => t.name === template?.name);
  const button = found?.buttons?.[index];
  if (button?.type !== "QUICK_REPLY") {
    throw new Error(`template ${template?.name ?? "(none)"} has no quick-reply button at index ${index}`);
  }
  const component = template?.components?.find((c) => c.type === "button" && Number(c.index) === index);
  return { type: "button", payload: component?.parameters?.[0]?.payload ?? button.text, text: button.text };
}

/** The template status a `message_template_status_update` event leaves behind (FLAGGED: still approved). */
export const STATUS_AFTER_EVENT: Record<string, FakeTemplate["status"]> = {
  APPROVED: "APPROVED",
  REINSTATED: "APPROVED",
  FLAGGED: "APPROVED",
  PAUSED: "PAUSED",
  DISABLED: "DISABLED",
  REJECTED: "REJECTED",
  PENDING: "PENDING",
};
