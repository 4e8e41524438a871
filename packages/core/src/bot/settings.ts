import { z } from "zod";
import {
  BOT_LANGUAGES,
  BOT_MENU_OPTIONS,
  BOT_TEXT_KEYS,
  type BotLanguage,
  type BotMenuOption,
  type BotTextKey,
  DEFAULT_BOT_TEXTS,
  DEFAULT_MENU_LABELS,
} from "./texts.js";

/** One menu option: on or off, and its wording (a list row title: at most 24 characters). */
const MenuOption = z.strictObject({
  enabled: z.boolean().default(true),
  label: z.string().trim().min(1).max(24).optional(),
});

const menuDefaults = Object.fromEntries(
  BOT_MENU_OPTIONS.map((option) => [option, MenuOption.default({ enabled: true })]),
) as Record<BotMenuOption, z.ZodDefault<typeof MenuOption>>;

/**
 * What a tenant decides about its self-service bot (the runner's `bot:` section, docs/bot.md).
 * Everything has a default but the company's name.
 */
export const BotSettingsSchema = z.strictObject({
  /** The company's name, as the welcome message and the debt statement show it. */
  companyName: z.string().trim().min(1).max(80),
  language: z.enum(BOT_LANGUAGES).default("pt-BR"),
  /** Replaces any of the default texts (placeholders such as {name} are filled in). */
  texts: z.partialRecord(z.enum(BOT_TEXT_KEYS), z.string().trim().min(1).max(1000)).default({}),
  menu: z
    .strictObject(menuDefaults)
    .default(
      Object.fromEntries(BOT_MENU_OPTIONS.map((o) => [o, { enabled: true }])) as Record<
        BotMenuOption,
        { enabled: boolean }
      >,
    ),
  /**
   * The online negotiation page; {taxId}, {customerRef}, {source} and {invoice} are filled in
   * (URL-encoded). Without it the "negotiate online" option is not offered.
   */
  negotiationUrl: z
    .string()
    .regex(/^https:\/\/\S+$/, "must be an https:// URL (placeholders such as {taxId} allowed)")
    .nullable()
    .default(null),
  /**
   * Asked when the WhatsApp number is not one the customer registered: their birth date, their
   * postcode, or nothing ("none": details are never shown to such a number; it is offered an
   * operator instead).
   */
  secondFactor: z.enum(["birth_date", "postal_code", "none"]).default("none"),
  /** Tries for a CPF/CNPJ, and for the second factor. */
  maxTries: z.number().int().min(1).max(10).default(3),
  /** A silent self-service conversation closes after this many minutes, with the closing text. */
  idleMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  /** CPF/CNPJ lookups one WhatsApp number may make per hour (across every runner on the store). */
  lookupsPerHour: z.number().int().min(1).max(1000).default(10),
  /**
   * The closing message after the 24-hour customer service window has closed (free text is not
   * allowed then): an approved template without variables. Without it nothing is sent then.
   */
  closingTemplate: z
    .strictObject({ name: z.string().min(1), language: z.string().min(2).default("pt_BR") })
    .optional(),
});
export type BotSettingsInput = z.input<typeof BotSettingsSchema>;
export type BotSettings = z.output<typeof BotSettingsSchema>;

/** A text in the tenant's language, the tenant's own wording first. */
export function botText(settings: BotSettings, key: BotTextKey): string {
  return settings.texts[key] ?? DEFAULT_BOT_TEXTS[settings.language as BotLanguage][key];
}

export function menuLabel(settings: BotSettings, option: BotMenuOption): string {
  return settings.menu[option].label ?? DEFAULT_MENU_LABELS[settings.language as BotLanguage][option];
}

/** The options offered, in menu order: enabled, and possible (negotiation needs its URL). */
export function enabledMenu(settings: BotSettings): BotMenuOption[] {
  return BOT_MENU_OPTIONS.filter(
    (option) =>
      settings.menu[option].enabled && (option !== "negotiation" || settings.negotiationUrl !== null),
  );
}
