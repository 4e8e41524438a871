/**
 * A fake IXC Provedor webservice over real HTTP, seeded from the generator.
 *
 * ```ts
 * const ixc = await startFakeIxc({ seed: 42, customers: 50, today: "2026-03-15", user: "12", token: "t" });
 * // POST {ixc.url}/webservice/v1/fn_areceber   ixcsoft: listar, Basic base64("12:t")
 * //      {qtype, query, oper, page, rp, sortname, sortorder, grid_param: '[{"TB":..,"OP":..,"P":..}]'}
 * //      → {page: "1", total: "37", registros: [{id: "1", valor: "129.90", data_vencimento: "2026-03-10", ...}]}
 * //      errors: HTTP 200 {type: "error", message}
 * // POST {ixc.url}/webservice/v1/su_ticket   (no ixcsoft header) → {type: "success", id}
 * // POST {ixc.url}/webservice/v1/get_boleto  {boletos, tipo_boleto: "arquivo", base64: "S"} → PDF in base64
 * // POST {ixc.url}/webservice/v1/get_pix     {id_areceber} → {type: "success", pix: {qrCode: {qrcode}}}
 * ixc.markPaid(17, "2026-03-16"); ixc.cancel(18, "2026-03-16"); ixc.setBlocked(3, true);
 * ```
 */
export type { IxcRow, IxcTables } from "./data.js";
export { EMPTY_DATE, formatPhone, formatTaxId, toIxcStamp } from "./data.js";
export { IXC_ISP_POLICY_YAML } from "./policy.js";
export type { FakeIxc, FakeIxcOptions } from "./server.js";
export { startFakeIxc } from "./server.js";
