/**
 * A fake REST ERP over real HTTP, seeded from the generator.
 *
 * ```ts
 * const erp = await startFakeRestErp({ seed: 42, customers: 50, today: "2026-03-15", token: "t", pageSize: 25 });
 * // GET  {erp.url}/api/customers|invoices|payments?updated_since=ISO&page=N&per_page=M  (Bearer t)
 * //      → { data: [...], meta: { page, per_page, total, next_page } }
 * // GET  {erp.url}/api/invoices/:id → { data } | 404 { error: { code, message } }
 * // POST {erp.url}/api/activities (Idempotency-Key) → 201 { data } new, 200 { data } same key
 * erp.markPaid(17, "2026-03-16");   // invoice paid, payment created, updated_at moves
 * erp.throttleNext(1, 2);           // next request: 429 with Retry-After: 2
 * await erp.close();
 * ```
 * `restErpPreset(erp.url, "t")` from @regua/connector-rest is the matching connector config.
 */
export type {
  RestErpActivity,
  RestErpCustomer,
  RestErpData,
  RestErpInvoice,
  RestErpInvoiceStatus,
  RestErpPayment,
} from "./data.js";
export { toNationalPhone, toSaoPauloTimestamp } from "./data.js";
export type { FakeRestErp, FakeRestErpOptions, RestErpEntity } from "./server.js";
export { startFakeRestErp } from "./server.js";
