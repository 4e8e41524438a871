// The self-service bot's pure part: settings, texts and the state machine (docs/bot.md).
// @regua/bot runs it against the conversation store, the ERP and the channel.
export { birthDateIn, botTurn, postalCodeIn, taxIdIn } from "./machine.js";
export { INVOICE_PAYLOAD, MAX_ROWS, MENU_PAYLOAD } from "./replies.js";
export {
  type BotSettings,
  type BotSettingsInput,
  BotSettingsSchema,
  botText,
  enabledMenu,
  menuLabel,
} from "./settings.js";
export {
  BOT_LANGUAGES,
  BOT_MENU_OPTIONS,
  BOT_TEXT_KEYS,
  type BotLanguage,
  type BotMenuOption,
  type BotTextKey,
  DEFAULT_BOT_TEXTS,
  DEFAULT_MENU_LABELS,
  fillText,
} from "./texts.js";
export type {
  BotAction,
  BotCustomer,
  BotInput,
  BotInvoice,
  BotReply,
  BotState,
  BotTurn,
  FoundCustomer,
  SecondFactor,
} from "./types.js";
