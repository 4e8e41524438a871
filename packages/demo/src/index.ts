/**
 * @regua/demo: the fakes `regua demo` runs against, kept out of @regua/runner so a production
 * install carries no fake servers (@sap/cds, faker, ajv) and no connector it does not use.
 * The runner imports this package only for `regua demo`.
 */
export { CHANNEL_ID, type DemoChannel, type DemoTemplateSpec, startDemoChannel } from "./channel.js";
export { type DemoErp, type DemoErpKind, SOURCE_ID, startDemoErp } from "./erp.js";

/**
 * Imports a plugin the demo's config names (`@regua/connector-rest`, `@regua/connector-sap-b1`,
 * `@regua/channel-whatsapp`) from this package's own dependencies, wherever the runner is.
 */
export const importPlugin = (specifier: string): Promise<unknown> => import(specifier);
export { type DemoPaymentHistory, demoPaymentHistory } from "./payment-history.js";
