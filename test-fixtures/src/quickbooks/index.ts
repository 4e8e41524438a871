/**
 * A fake QuickBooks Online over real HTTP, seeded from the generator.
 *
 * ```ts
 * const qbo = await startFakeQuickBooks({ seed: 42, customers: 50, today: "2026-03-15" });
 * const refreshToken = qbo.issueRefreshToken();        // as after "Connect to QuickBooks"
 * // POST {qbo.tokenUrl}  grant_type=refresh_token (Basic clientId:clientSecret) → rotating tokens
 * // GET  {qbo.url}/v3/company/{realm}/query?query=select * from Invoice startposition 1 maxresults 1000
 * // GET  {qbo.url}/v3/company/{realm}/cdc?entities=Invoice,Payment&changedSince=…
 * qbo.payInvoice("17", "2026-03-16");                  // a Payment linked to invoice 17
 * const hook = qbo.webhook("cloudevents");             // signed with intuit-signature
 * await qbo.close();
 * ```
 */
export { CDC_CAP } from "./company.js";
export type {
  QboAttachable,
  QboCompany,
  QboCreditMemo,
  QboCustomer,
  QboInvoice,
  QboPayment,
  QboTerm,
  Tombstone,
} from "./data.js";
export { TERMS, USD_RATE } from "./data.js";
export { INTUIT_LIMITS } from "./limits.js";
export type { FakeQuickBooks, FakeQuickBooksOptions, SignedWebhook } from "./server.js";
export { startFakeQuickBooks } from "./server.js";
export type { EntityChange, WebhookFormat, WebhookOperation } from "./webhooks.js";
export { signWebhook, webhookBody } from "./webhooks.js";
