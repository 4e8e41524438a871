import { z } from "zod";
import type { Connector } from "../contracts.js";
import { ConfigError, fromZodError } from "../errors.js";
import { Customer, type DocumentKind, Invoice, InvoiceDocument } from "../model.js";
import { normalizeTaxId } from "../tax-id.js";
import type { EngineContext } from "./context.js";
import { connectorFor } from "./sync.js";

/**
 * What the inbound bot and the dispatcher ask the ERP directly (fresh, not from the last sync).
 * Answers are from outside, so they are parsed with the core schemas like any listing.
 */

function parsed<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}

function capable(ctx: EngineContext, source: string, capability: "documents" | "lookups") {
  const connector = connectorFor(ctx, source);
  if (connector.capabilities[capability] !== true)
    throw new ConfigError(`source "${source}" does not declare the "${capability}" capability`);
  return connector;
}

/** A document for one invoice (boleto PDF, PIX code, payment link, statement, agreement term). */
export async function fetchDocument(
  ctx: EngineContext,
  source: string,
  invoice: Invoice,
  kind: DocumentKind,
): Promise<InvoiceDocument | null> {
  const connector = capable(ctx, source, "documents");
  const document = await connector.getDocument?.(invoice, kind);
  if (document === null || document === undefined) return null;
  return parsed(InvoiceDocument, document, `${source} getDocument(${invoice.externalId}, ${kind})`);
}

/** Customers of one source with this CPF/CNPJ, formatted ("123.456.789-09") or not. */
export function findCustomersByTaxId(ctx: EngineContext, source: string, taxId: string): Promise<Customer[]> {
  const normalized = normalizeTaxId(taxId);
  return lookup(ctx, source, Customer, "findCustomersByTaxId", (c) => c.findCustomersByTaxId?.(normalized));
}

/** One customer's open invoices, read from the ERP now. */
export function listOpenInvoices(
  ctx: EngineContext,
  source: string,
  customerRef: string,
): Promise<Invoice[]> {
  const where = `listOpenInvoices(${customerRef})`;
  return lookup(ctx, source, Invoice, where, (c) => c.listOpenInvoices?.(customerRef));
}

async function lookup<T>(
  ctx: EngineContext,
  source: string,
  schema: z.ZodType<T>,
  what: string,
  ask: (connector: Connector) => Promise<unknown[]> | undefined,
): Promise<T[]> {
  const found = (await ask(capable(ctx, source, "lookups"))) ?? [];
  return parsed(z.array(schema), found, `${source} ${what}`);
}
