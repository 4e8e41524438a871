import {
  type ConnectorImplementation,
  defineConnector,
  fromZodError,
  type Health,
  type Invoice,
  isReguaError,
  type PluginContext,
} from "@regua/core";
import { createAcmeHttp, listEntity } from "./client.js";
import { type MapContext, mapCustomer, mapInvoice, mapPayment } from "./map.js";
import { AcmeOptions } from "./options.js";
import { AcmeCustomer, AcmeInvoice, AcmePayment } from "./schemas.js";
import { writeActivity } from "./writeback.js";

export type { AcmeOptionsInput } from "./options.js";

/** What this connector does; `true` makes the matching method required at compile time. */
const CAPABILITIES = { payments: true, getInvoice: true, writeActivity: true, webhooks: false } as const;

/** Acme ERP through its REST API (/api). Name it in regua.yaml as `connector: regua-connector-acme`. */
export default defineConnector({
  id: "regua-connector-acme",
  displayName: "Acme ERP",
  capabilities: CAPABILITIES,
  optionsSchema: AcmeOptions,
  create: (options, ctx) => createAcme(options, ctx),
});

/** One instance per source in regua.yaml: its own HTTP client and rate limit, nothing shared. */
function createAcme(options: AcmeOptions, ctx: PluginContext): ConnectorImplementation<typeof CAPABILITIES> {
  const http = createAcmeHttp(options, ctx);
  const map: MapContext = { source: ctx.instanceId, currency: options.currency };
  return {
    listCustomers: (query) =>
      listEntity(
        http,
        options,
        map,
        { entity: "customers", path: "customers", schema: AcmeCustomer, map: mapCustomer },
        query,
      ),
    listInvoices: (query) =>
      listEntity(
        http,
        options,
        map,
        { entity: "invoices", path: "invoices", schema: AcmeInvoice, map: mapInvoice },
        query,
      ),
    listPayments: (query) =>
      listEntity(
        http,
        options,
        map,
        { entity: "payments", path: "payments", schema: AcmePayment, map: mapPayment },
        query,
      ),
    getInvoice: async (externalId): Promise<Invoice | null> => {
      const response = await http.request({
        method: "GET",
        url: `invoices/${encodeURIComponent(externalId)}`,
        allow: [404],
      });
      if (response.status === 404) return null;
      const row = AcmeInvoice.safeParse(response.data);
      if (!row.success) throw fromZodError(row.error, `acme: invoice ${externalId}`);
      return mapInvoice(row.data, map);
    },
    writeActivity: (activity) => writeActivity(http, activity),
    healthCheck: () => healthCheck(options, ctx, http),
    close: async () => {},
  };
}

async function healthCheck(
  options: AcmeOptions,
  ctx: PluginContext,
  http: ReturnType<typeof createAcmeHttp>,
): Promise<Health> {
  const started = ctx.clock.now().getTime();
  try {
    await http.request({ method: "GET", url: "customers", params: { limit: 1 } });
    return {
      ok: true,
      detail: `Acme API at ${options.baseUrl}`,
      latencyMs: ctx.clock.now().getTime() - started,
    };
  } catch (error) {
    return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
  }
}
