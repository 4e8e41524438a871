import {
  type ConnectorImplementation,
  type Health,
  type Invoice,
  isReguaError,
  type PluginContext,
} from "@regua/core";
import { ServiceLayerClient } from "./client.js";
import {
  invoiceFields,
  invoiceRows,
  listCustomers,
  listInvoices,
  listPayments,
  type SapSource,
} from "./listings.js";
import { createMapper, type Mapper, type MappingWarning } from "./map.js";
import type { SapB1Options } from "./options.js";
import { ActivityWriter } from "./writeback.js";

export const CAPABILITIES = {
  payments: true,
  getInvoice: true,
  writeActivity: true,
  webhooks: false,
} as const;

/** What SAP B1 always supports: the same flags src/index.ts declares. */
type SapB1Connector = ConnectorImplementation<typeof CAPABILITIES>;

/** One connector instance: its own session, mapper and currency lookups; nothing shared between instances. */
export function createSapB1Connector(options: SapB1Options, ctx: PluginContext): SapB1Connector {
  const client = new ServiceLayerClient(options, ctx);
  const writer = new ActivityWriter(client, options, ctx.log);
  const source: SapSource = {
    source: ctx.instanceId,
    client,
    options,
    mapper: instanceMapper(client, options, ctx),
  };
  return {
    capabilities: CAPABILITIES,
    listCustomers: (query) => listCustomers(source, query),
    listInvoices: (query) => listInvoices(source, query),
    listPayments: (query) => listPayments(source, query),
    getInvoice: (externalId) => getInvoice(source, externalId),
    writeActivity: (activity) => writer.write(activity),
    healthCheck: () => healthCheck(client, options, ctx),
    close: () => client.close(),
  };
}

/**
 * The mapper, built on first use: the local currency comes from the options or, left out,
 * from the Service Layer once per instance (a failed lookup is asked again next time).
 */
function instanceMapper(client: ServiceLayerClient, options: SapB1Options, ctx: PluginContext) {
  let mapper: Promise<Mapper> | null = null;
  const warn = (warning: MappingWarning) =>
    ctx.log.warn(
      {
        event: "sap-b1.field_dropped",
        entity: warning.entity,
        cardCode: warning.externalId,
        field: warning.field,
      },
      `business partner ${warning.externalId}: ${warning.field} ${warning.message}`,
    );
  const build = async () => {
    const localCurrency = options.localCurrency ?? (await client.localCurrency());
    return createMapper({ source: ctx.instanceId, options, localCurrency, warn });
  };
  return (): Promise<Mapper> => {
    mapper ??= build().catch((error: unknown) => {
      mapper = null;
      throw error;
    });
    return mapper;
  };
}

// GET /Invoices(DocEntry): a fresh read before a send.
async function getInvoice(source: SapSource, externalId: string): Promise<Invoice | null> {
  if (!/^\d+$/.test(externalId)) return null;
  try {
    const mapper = await source.mapper();
    const doc = await source.client.get(`Invoices(${externalId})`, {
      $select: invoiceFields(source.options),
    });
    const { items, rejects } = invoiceRows([doc], mapper);
    if (rejects[0]) throw new Error(`invoice ${externalId}: ${rejects[0].error}`);
    return items[0] ?? null;
  } catch (error) {
    if (isReguaError(error) && error.code === "NOT_FOUND") return null;
    throw error;
  }
}

// GET /BusinessPartners?$top=1: the login and one cheap read.
async function healthCheck(
  client: ServiceLayerClient,
  options: SapB1Options,
  ctx: PluginContext,
): Promise<Health> {
  const started = ctx.clock.now().getTime();
  try {
    await client.get("BusinessPartners", { $select: "CardCode", $top: 1 });
    return {
      ok: true,
      detail: `Service Layer ${options.version} at ${options.baseUrl}, company ${options.companyDb}`,
      latencyMs: ctx.clock.now().getTime() - started,
    };
  } catch (error) {
    return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
  }
}
