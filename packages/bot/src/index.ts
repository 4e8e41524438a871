// @regua/bot: the WhatsApp self-service bot (docs/bot.md). The machine itself is pure and lives
// in @regua/core (`botTurn`); this package runs it against the store, the ERP and the channel.
export { type Bot, type BotOptions, createBot } from "./bot.js";
export { maskTaxId, renderDebtStatement, type StatementInput } from "./statement.js";
