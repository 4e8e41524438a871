/**
 * A fake Odoo over real HTTP, seeded from the generator.
 *
 * ```ts
 * const odoo = await startFakeOdoo({ seed: 7, customers: 12, today: "2026-03-15", version: "19.0", apiKey: "k" });
 * // POST {odoo.url}/xmlrpc/2/common   version | authenticate(db, login, password|key, {}) → uid | false
 * // POST {odoo.url}/xmlrpc/2/object   execute_kw(db, uid, secret, model, method, args, kwargs)
 * //      faults: 3 "Access Denied", 4 AccessError, 2 UserError/ValidationError/MissingError, 1 traceback
 * // POST {odoo.url}/json/2/<model>/<method>  (19.0+) Authorization: bearer <key>, X-Odoo-Database
 * //      errors: 4xx/5xx { name, message, arguments, context, debug }
 * // GET  {odoo.url}/web/version (18.0+) → { version_info, version }
 * odoo.registerPayment(17);   // payment_state in_payment (partial for part of it), write_date moves
 * odoo.reconcile(17);         // in_payment → paid
 * odoo.reverse(18);           // out_refund created, invoice payment_state reversed
 * odoo.expireApiKey();        // the key is refused from now on
 * await odoo.close();
 * ```
 */
export type { Lifecycle } from "./lifecycle.js";
export type { OdooException, OdooExceptionName } from "./orm.js";
export type { Many2one, ModelName, OdooRecord, OdooTables, OdooValue } from "./records.js";
export { BRL, COMPANY, odooDatetime, USD, USD_RATE } from "./records.js";
export type { FakeOdoo, FakeOdooOptions, FakeOdooRequest, OdooVersion } from "./server.js";
export { startFakeOdoo } from "./server.js";
