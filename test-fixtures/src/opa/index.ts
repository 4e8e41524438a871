/**
 * A fake Opa! Suite API over real HTTP: templates with positional variables, channels,
 * contacts, template sends and message statuses.
 *
 * ```ts
 * const opa = await startFakeOpa({ token: "t" });
 * // POST {opa.url}/api/v1/template/send  Bearer t
 * //      {contato: {canalCliente: "+5547999123456"}, template: {_id, variaveis: ["Maria", "R$ 99,90"]}, canal}
 * //      → {status: "success", code: 200, data: {_id, id_rota, status: "enviado"}}
 * // GET  {opa.url}/api/v1/template  (JSON body {filter, options})  → {status, code, data: [{_id, texto, atalho}]}
 * opa.setStatus(messageId, "lido"); opa.failNext(429, "Limite de requisições excedido");
 * ```
 */
export type { FakeOpa, FakeOpaOptions, OpaMessage, OpaTemplate } from "./server.js";
export { DEFAULT_CANAL, DEFAULT_OPA_TEMPLATES, placeholderCount, startFakeOpa } from "./server.js";
