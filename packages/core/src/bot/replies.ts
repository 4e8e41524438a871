import { formatMoney } from "../money.js";
import { formatIsoDate } from "../policy/render.js";
import { BOT_PAYLOAD_PREFIX } from "../reply.js";
import { type BotSettings, botText, enabledMenu, menuLabel } from "./settings.js";
import { type BotMenuOption, fillText } from "./texts.js";
import type { BotCustomer, BotInvoice, BotReply } from "./types.js";

/**
 * The bot's lists and menus, within WhatsApp's limits (Meta's interactive list and reply button
 * messages: body ≤ 1024, list button ≤ 20, ≤ 10 rows, row title ≤ 24, description ≤ 72, reply
 * button title ≤ 20, ≤ 3 buttons; `#/components/schemas/InteractiveObject` in
 * ../shared/specs/whatsapp/business-messaging-api_v23.0.yaml).
 */
export const MAX_ROWS = 10;
const ROW_TITLE = 24;
const ROW_DESCRIPTION = 72;
const BUTTON = 20;
const BODY = 1024;

export const INVOICE_PAYLOAD = `${BOT_PAYLOAD_PREFIX}inv:`;
export const MENU_PAYLOAD = `${BOT_PAYLOAD_PREFIX}menu:`;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const LOCALE = { "pt-BR": "pt-BR", es: "es", en: "en-GB" } as const;

export function money(settings: BotSettings, invoice: BotInvoice): string {
  return formatMoney(invoice.openAmount, LOCALE[settings.language]);
}

export function date(settings: BotSettings, iso: string): string {
  return formatIsoDate(iso, LOCALE[settings.language]);
}

export function text(value: string): BotReply {
  return { type: "text", text: value };
}

export function say(settings: BotSettings, key: Parameters<typeof botText>[1], values = {}): BotReply {
  return text(fillText(botText(settings, key), { company: settings.companyName, ...values }));
}

/** The open invoices, oldest due first, as a list; beyond ten, the ten oldest. */
export function invoiceList(settings: BotSettings, customer: BotCustomer, invoices: BotInvoice[]): BotReply {
  const shown = invoices.slice(0, MAX_ROWS);
  const more = invoices.length > shown.length ? ` (${shown.length}/${invoices.length})` : "";
  const body = fillText(botText(settings, "invoicesBody"), {
    name: firstName(customer.name),
    count: invoices.length,
    more,
  });
  return {
    type: "list",
    body: clip(body, BODY),
    button: clip(botText(settings, "invoicesButton"), BUTTON),
    sections: [
      {
        rows: shown.map((invoice, index) => ({
          id: `${INVOICE_PAYLOAD}${index}`,
          title: clip(invoice.number, ROW_TITLE),
          description: clip(
            fillText(botText(settings, "invoiceRow"), {
              due: date(settings, invoice.dueDate),
              amount: money(settings, invoice),
            }),
            ROW_DESCRIPTION,
          ),
        })),
      },
    ],
  };
}

/** The options that make sense now: per-bill ones need a chosen bill, the rest open invoices. */
export function menuOptions(settings: BotSettings, invoices: BotInvoice[], chosen: BotInvoice | null) {
  return enabledMenu(settings).filter((option) => {
    if (option === "barcode" || option === "boleto") return chosen !== null;
    if (option === "otherInvoice") return chosen !== null && invoices.length > 1;
    if (option === "statement" || option === "agreement" || option === "negotiation")
      return invoices.length > 0;
    return true;
  });
}

/** The menu about the chosen bill (or about the customer, with none open): a list, or buttons. */
export function menu(
  settings: BotSettings,
  customer: BotCustomer,
  invoices: BotInvoice[],
  chosen: BotInvoice | null,
): BotReply {
  const options = menuOptions(settings, invoices, chosen);
  const body = chosen
    ? fillText(botText(settings, "menuBody"), {
        number: chosen.number,
        amount: money(settings, chosen),
        due: date(settings, chosen.dueDate),
      })
    : fillText(botText(settings, "noOpenInvoices"), { name: firstName(customer.name) });
  if (options.length <= 3) {
    return {
      type: "buttons",
      body: clip(body, BODY),
      buttons: options.map((option) => ({
        id: `${MENU_PAYLOAD}${option}`,
        title: clip(menuLabel(settings, option), BUTTON),
      })),
    };
  }
  return {
    type: "list",
    body: clip(body, BODY),
    button: clip(botText(settings, "menuButton"), BUTTON),
    sections: [
      {
        rows: options.map((option) => ({
          id: `${MENU_PAYLOAD}${option}`,
          title: clip(menuLabel(settings, option), ROW_TITLE),
        })),
      },
    ],
  };
}

/** The option a tap or a typed answer picks: the row id, its position ("2") or its title. */
export function pickOption(
  settings: BotSettings,
  options: readonly BotMenuOption[],
  input: { text: string; payload: string | null },
): BotMenuOption | null {
  if (input.payload?.startsWith(MENU_PAYLOAD)) {
    const option = input.payload.slice(MENU_PAYLOAD.length) as BotMenuOption;
    return options.includes(option) ? option : null;
  }
  const typed = simplify(input.text);
  const position = Number.parseInt(typed, 10);
  if (/^\d+$/.test(typed) && position >= 1 && position <= options.length)
    return options[position - 1] ?? null;
  return options.find((option) => simplify(menuLabel(settings, option)) === typed) ?? null;
}

/** The invoice a tap or a typed answer picks: the row id, its position or its number. */
export function pickInvoice(
  invoices: readonly BotInvoice[],
  input: { text: string; payload: string | null },
): BotInvoice | null {
  if (input.payload?.startsWith(INVOICE_PAYLOAD)) {
    return invoices[Number(input.payload.slice(INVOICE_PAYLOAD.length))] ?? null;
  }
  const typed = simplify(input.text);
  const position = Number.parseInt(typed, 10);
  if (/^\d+$/.test(typed) && position >= 1 && position <= Math.min(invoices.length, MAX_ROWS)) {
    return invoices[position - 1] ?? null;
  }
  return invoices.find((invoice) => simplify(invoice.number) === typed) ?? null;
}

function simplify(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{Diacritic}/gu, "")
    .toLowerCase()
    .trim();
}

export function firstName(name: string): string {
  return name.trim().split(/\s+/)[0] ?? name;
}

/** The negotiation link with the customer's values, URL-encoded. */
export function negotiationLink(
  settings: BotSettings,
  customer: BotCustomer,
  chosen: BotInvoice | null,
): string | null {
  if (!settings.negotiationUrl) return null;
  return fillText(settings.negotiationUrl, {
    taxId: encodeURIComponent(customer.taxId),
    customerRef: encodeURIComponent(customer.customerRef),
    source: encodeURIComponent(customer.source),
    invoice: encodeURIComponent(chosen?.ref ?? ""),
  });
}
