import {
  type ConnectorImplementation,
  type Customer,
  type Health,
  type Invoice,
  isDunnable,
  isReguaError,
  type PluginContext,
  ValidationError,
} from "@regua/core";
import { IxcClient } from "./client.js";
import { listCustomers } from "./customers.js";
import { getDocument, withInstruments } from "./documents.js";
import { areceberFilters, type IxcSource, listInvoices, listPayments, mapRows } from "./listings.js";
import { formatTaxId, mapAreceber, mapCliente } from "./map.js";
import type { IxcOptions } from "./options.js";
import { Areceber, Cliente } from "./schemas.js";
import { TicketWriter } from "./writeback.js";

export const CAPABILITIES = {
  payments: true,
  getInvoice: true,
  writeActivity: "options",
  webhooks: false,
  documents: true,
  lookups: true,
} as const;

type IxcConnector = ConnectorImplementation<typeof CAPABILITIES>;

/** One connector instance: its own HTTP client and rate limit; nothing shared between instances. */
export function createIxcConnector(options: IxcOptions, ctx: PluginContext): IxcConnector {
  const client = new IxcClient(options, ctx);
  const source: IxcSource = {
    client,
    map: { source: ctx.instanceId, utcOffset: options.serverUtcOffset, defaultRegion: options.defaultRegion },
  };
  const writer = options.ticket ? new TicketWriter(client, options) : null;
  return {
    capabilities: { writeActivity: writer !== null },
    listCustomers: (query) => listCustomers(source, query),
    listInvoices: (query) => listInvoices(source, query),
    listPayments: (query) => listPayments(source, query),
    getInvoice: (externalId) => getInvoice(source, externalId),
    ...(writer ? { writeActivity: (activity) => writer.write(activity) } : {}),
    getDocument: (invoice, kind) => getDocument(client, invoice, kind),
    findCustomersByTaxId: (taxId) => findCustomersByTaxId(source, taxId),
    listOpenInvoices: (customerRef) => listOpenInvoices(source, customerRef),
    healthCheck: () => healthCheck(client, ctx),
    close: async () => {},
  };
}

// POST /webservice/v1/fn_areceber (listar) id = externalId: a fresh read before a send, with the
// boleto line and PIX code the message may carry.
async function getInvoice(source: IxcSource, externalId: string): Promise<Invoice | null> {
  if (!/^\d+$/.test(externalId)) return null;
  const read = async () => {
    const filter = { TB: "fn_areceber.id", OP: "=", P: externalId } as const;
    const rows = await source.client.listarAll("fn_areceber", [filter]);
    const { items, rejects } = mapRows(rows, Areceber, (row) => mapAreceber(row, source.map), "invoices");
    if (rejects[0])
      throw new ValidationError(`ixc: receivable ${externalId}: ${rejects[0].error}`, [], { where: "ixc" });
    return items[0] ?? null;
  };
  const invoice = await read();
  if (!invoice || !source.client.options.instrumentsOnRead) return invoice;
  return withInstruments(source.client, invoice, read);
}

// POST /webservice/v1/cliente (listar) cnpj_cpf = the formatted CPF/CNPJ: IXC stores it formatted.
async function findCustomersByTaxId(source: IxcSource, taxId: string): Promise<Customer[]> {
  const formatted = formatTaxId(taxId);
  if (formatted === null) return [];
  const rows = await source.client.listarAll("cliente", [{ TB: "cliente.cnpj_cpf", OP: "=", P: formatted }]);
  return mapRows(rows, Cliente, (row) => mapCliente(row, source.map), "customers").items;
}

// POST /webservice/v1/fn_areceber (listar) id_cliente = ref, neither received nor cancelled.
async function listOpenInvoices(source: IxcSource, customerRef: string): Promise<Invoice[]> {
  if (!/^\d+$/.test(customerRef)) return [];
  const rows = await source.client.listarAll(
    "fn_areceber",
    [
      { TB: "fn_areceber.id_cliente", OP: "=", P: customerRef },
      ...areceberFilters(source),
      { TB: "fn_areceber.status", OP: "!=", P: "R" },
      { TB: "fn_areceber.status", OP: "!=", P: "C" },
    ],
    "data_vencimento",
  );
  const { items } = mapRows(rows, Areceber, (row) => mapAreceber(row, source.map), "invoices");
  return items.filter((invoice) => isDunnable(invoice.status));
}

/**
 * One cheap grid read, and when write-back is configured, that the ticket's subject
 * (su_oss_assunto) and sector (empresa_setor) exist: `regua check` reports a wrong id before
 * the first contact fails to be written.
 */
async function healthCheck(client: IxcClient, ctx: PluginContext): Promise<Health> {
  const started = ctx.clock.now().getTime();
  try {
    await client.listar("cliente", { qtype: "cliente.id", query: "0", oper: ">", page: "1", rp: "1" });
    const problems = await ticketProblems(client);
    const latencyMs = ctx.clock.now().getTime() - started;
    if (problems.length > 0) return { ok: false, detail: problems.join("; "), latencyMs };
    return { ok: true, detail: `IXC webservice at ${client.options.baseUrl}`, latencyMs };
  } catch (error) {
    return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
  }
}

async function ticketProblems(client: IxcClient): Promise<string[]> {
  const ticket = client.options.ticket;
  if (!ticket) return [];
  const exists = async (table: string, id: string) =>
    (await client.listar(table, { qtype: `${table}.id`, query: id, oper: "=", page: "1", rp: "1" })).registros
      .length > 0;
  const problems: string[] = [];
  if (!(await exists("su_oss_assunto", ticket.idAssunto))) {
    problems.push(`options.ticket.idAssunto ${ticket.idAssunto}: no such subject (su_oss_assunto) in IXC`);
  }
  if (!(await exists("empresa_setor", ticket.idTicketSetor))) {
    problems.push(
      `options.ticket.idTicketSetor ${ticket.idTicketSetor}: no such sector (empresa_setor) in IXC`,
    );
  }
  return problems;
}
