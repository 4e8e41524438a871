import {
  type ConnectorImplementation,
  type Health,
  type Invoice,
  isReguaError,
  type PluginContext,
  ValidationError,
} from "@regua/core";
import { keyExpiryWarning } from "./apikeys.js";
import { OdooClient } from "./client.js";
import { getDocument } from "./documents.js";
import {
  INVOICE_DOMAIN,
  invoicesOf,
  listCustomers,
  listInvoices,
  listPayments,
  MOVE_FIELDS,
  type OdooSource,
} from "./listings.js";
import { findCustomersByTaxId, listOpenInvoices } from "./lookups.js";
import type { OdooOptions } from "./options.js";
import { ActivityWriter } from "./writeback.js";

export const CAPABILITIES = {
  payments: true,
  getInvoice: true,
  writeActivity: true,
  webhooks: false,
  documents: true,
  lookups: true,
} as const;

type OdooConnector = ConnectorImplementation<typeof CAPABILITIES>;

/** One connector instance: its own client (protocol, login, field lists); nothing shared between instances. */
export function createOdooConnector(options: OdooOptions, ctx: PluginContext): OdooConnector {
  const client = new OdooClient(options, ctx);
  const source: OdooSource = {
    source: ctx.instanceId,
    client,
    options,
    context: {
      source: ctx.instanceId,
      defaultRegion: options.defaultRegion,
      warn: (w) =>
        ctx.log.warn(
          { event: "odoo.field_dropped", entity: w.entity, partnerId: w.externalId, field: w.field },
          `partner ${w.externalId}: ${w.field} ${w.message}`,
        ),
    },
  };
  const writer = new ActivityWriter(client, options);
  return {
    capabilities: CAPABILITIES,
    listCustomers: (query) => listCustomers(source, query),
    listInvoices: (query) => listInvoices(source, query),
    listPayments: (query) => listPayments(source, query),
    getInvoice: (externalId) => getInvoice(source, externalId),
    writeActivity: (activity) => writer.write(activity),
    getDocument: (invoice, kind) => getDocument(client, invoice, kind),
    findCustomersByTaxId: (taxId) => findCustomersByTaxId(source, taxId),
    listOpenInvoices: (customerRef) => listOpenInvoices(source, customerRef),
    healthCheck: () => healthCheck(client, options, ctx),
    close: async () => {},
  };
}

// search_read on the id (not read): an unknown id or one that is not a customer invoice is null.
async function getInvoice(source: OdooSource, externalId: string): Promise<Invoice | null> {
  if (!/^\d+$/.test(externalId)) return null;
  const rows = await source.client.call({
    model: "account.move",
    method: "search_read",
    kwargs: { domain: [["id", "=", Number(externalId)], ...INVOICE_DOMAIN], fields: MOVE_FIELDS, limit: 1 },
    readOnly: true,
  });
  const { items, rejects } = await invoicesOf(source, Array.isArray(rows) ? rows : []);
  if (rejects[0]) {
    throw new ValidationError(`odoo: invoice ${externalId}: ${rejects[0].error}`, [], {
      where: `${source.source} account.move ${externalId}`,
      provider: { system: "odoo" },
    });
  }
  return items[0] ?? null;
}

// The protocol choice, the login and one cheap read.
async function healthCheck(client: OdooClient, options: OdooOptions, ctx: PluginContext): Promise<Health> {
  const started = ctx.clock.now().getTime();
  try {
    const server = await client.server();
    await client.call({
      model: "res.partner",
      method: "search_count",
      kwargs: { domain: [["id", "=", 0]] },
      readOnly: true,
    });
    const warning = options.apiKey ? await keyExpiryWarning(client, ctx.clock, ctx.log) : null;
    if (warning) ctx.log.warn({ event: "odoo.api_key_expiring" }, warning);
    return {
      ok: true,
      detail: `${warning ? `${warning}. ` : ""}Odoo ${server.version ?? "(version not said)"} over ${server.protocol === "json2" ? "JSON-2" : "XML-RPC"} at ${options.url}, database ${options.database}`,
      latencyMs: ctx.clock.now().getTime() - started,
    };
  } catch (error) {
    return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
  }
}
