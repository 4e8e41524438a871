import {
  type ConnectorImplementation,
  type DocumentKind,
  fromZodError,
  type Health,
  type Invoice,
  type InvoiceDocument,
  isReguaError,
  type PluginContext,
  ValidationError,
} from "@regua/core";
import { refreshTokenExpiry } from "./auth.js";
import { inFlight, QuickBooksClient } from "./client.js";
import { listCustomers, listInvoices, listPayments, type QboSource } from "./listings.js";
import { type MapContext, MappingError, mapInvoice } from "./map.js";
import type { QuickBooksOptions } from "./options.js";
import { statement } from "./query.js";
import { CreditMemo, Payment, PreferencesEnvelope, Invoice as QboInvoice, Term } from "./schemas.js";
import { parseEvents, verifySignature } from "./webhooks.js";
import { ActivityWriter } from "./writeback.js";

export const CAPABILITIES = {
  payments: true,
  getInvoice: true,
  writeActivity: true,
  webhooks: true,
  documents: true,
} as const;

type QuickBooksConnector = ConnectorImplementation<typeof CAPABILITIES>;

/** Terms are re-read this often (they rarely change; a new one should not wait for a restart). */
const TERMS_TTL_MS = 3_600_000;
/** Customer ids per `CustomerRef IN (…)` query when reading their credits. */
const CREDIT_CHUNK = 200;
/** InvoiceLink (the QuickBooks Payments link) needs minorversion 36 and include=invoiceLink. */
const INVOICE_LINK_MINOR = 36;

/** One connector instance: its own client, token keeper, caches; nothing shared between instances. */
export function createQuickBooksConnector(
  options: QuickBooksOptions,
  ctx: PluginContext,
): QuickBooksConnector {
  const client = new QuickBooksClient(options, ctx);
  const writer = new ActivityWriter(client, options, ctx.log);
  const mapContext = mapContextOf(client, options, ctx);
  const src: QboSource = {
    client,
    ctx,
    pageSize: options.pageSize,
    depth: inFlight(options.limits.concurrency),
    mapContext,
  };
  return {
    capabilities: CAPABILITIES,
    listCustomers: (query) => listCustomers(src, query, (ids) => customerCredits(src, ids)),
    listInvoices: (query) => listInvoices(src, query),
    listPayments: (query) => listPayments(src, query),
    getInvoice: (externalId) => getInvoice(src, externalId),
    writeActivity: (activity) => writer.write(activity),
    getDocument: (invoice, kind) => getDocument(src, invoice, kind),
    webhook: {
      verify: (req) => verifySignature(req, options.webhookVerifierToken),
      parse: (req) => parseEvents(req, options.realmId),
    },
    async credentialExpiry() {
      const expiresAtMs = await refreshTokenExpiry(ctx.state, options.realmId);
      if (expiresAtMs === null) return [];
      const name = `QuickBooks refresh token (company ${options.realmId})`;
      return [{ name, expiresAt: new Date(expiresAtMs).toISOString() }];
    },
    healthCheck: () => healthCheck(src, options),
    close: async () => undefined,
  };
}

/** Home currency (options or Preferences, once) and the sales terms (re-read hourly). */
function mapContextOf(client: QuickBooksClient, options: QuickBooksOptions, ctx: PluginContext) {
  let home: Promise<string> | null = null;
  let terms: { at: number; map: Promise<Map<string, Term>> } | null = null;
  const warn = (entity: string, id: string, message: string) =>
    ctx.log.warn({ event: "quickbooks.mapping", entity, id }, `${entity} ${id}: ${message}`);
  const retryable = <T>(promise: Promise<T>, reset: () => void) =>
    promise.catch((error: unknown) => {
      reset();
      throw error;
    });
  return async (): Promise<MapContext> => {
    home ??= retryable(homeCurrency(client, options), () => {
      home = null;
    });
    const now = ctx.clock.now().getTime();
    if (!terms || now - terms.at > TERMS_TTL_MS) {
      terms = {
        at: now,
        map: retryable(readTerms(client), () => {
          terms = null;
        }),
      };
    }
    return {
      source: ctx.instanceId,
      homeCurrency: await home,
      defaultRegion: options.defaultRegion,
      terms: await terms.map,
      warn,
    };
  };
}

// GET /preferences (Preferences reference: CurrencyPrefs.HomeCurrency).
async function homeCurrency(client: QuickBooksClient, options: QuickBooksOptions): Promise<string> {
  if (options.homeCurrency) return options.homeCurrency;
  const response = await client.request({ method: "GET", url: "preferences" });
  const prefs = PreferencesEnvelope.safeParse(response.data);
  return (prefs.success && prefs.data.Preferences.CurrencyPrefs?.HomeCurrency?.value) || "USD";
}

// select * from Term (Term reference): DueDays / DayOfMonthDue for invoices without DueDate.
async function readTerms(client: QuickBooksClient): Promise<Map<string, Term>> {
  const rows = await client.query("Term", statement({ entity: "Term", startPosition: 1, maxResults: 1000 }));
  const terms = new Map<string, Term>();
  for (const row of rows) {
    const term = Term.safeParse(row);
    if (term.success) terms.set(term.data.Id, term.data);
  }
  return terms;
}

/**
 * Credit each customer holds: UnappliedAmt of their payments and RemainingCredit of their credit
 * memos, in the home currency (× ExchangeRate). `CustomerRef IN (…)` in chunks.
 */
async function customerCredits(src: QboSource, ids: string[]): Promise<Map<string, number>> {
  const credits = new Map<string, number>(ids.map((id) => [id, 0]));
  const add = (id: string | undefined, value: number | null | undefined, rate: unknown) => {
    if (id === undefined || !value || !credits.has(id)) return;
    credits.set(id, (credits.get(id) ?? 0) + value * (typeof rate === "number" ? rate : 1));
  };
  for (let i = 0; i < ids.length; i += CREDIT_CHUNK) {
    const where = [{ field: "CustomerRef", op: "IN" as const, value: ids.slice(i, i + CREDIT_CHUNK) }];
    for (const row of await queryAll(src, "Payment", where)) {
      const p = Payment.safeParse(row);
      if (p.success) add(p.data.CustomerRef?.value, p.data.UnappliedAmt, p.data.ExchangeRate);
    }
    for (const row of await queryAll(src, "CreditMemo", where)) {
      const m = CreditMemo.safeParse(row);
      if (m.success) add(m.data.CustomerRef.value, m.data.RemainingCredit, m.data.ExchangeRate);
    }
  }
  for (const [id, value] of credits) credits.set(id, Math.round(value * 100) / 100);
  return credits;
}

async function queryAll(
  src: QboSource,
  entity: string,
  where: { field: string; op: "IN"; value: string[] }[],
): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let position = 1; ; position += src.pageSize) {
    const rows = await src.client.query(
      entity,
      statement({ entity, where, startPosition: position, maxResults: src.pageSize }),
    );
    out.push(...rows);
    if (rows.length < src.pageSize) return out;
  }
}

// GET /invoice/<id>?include=invoiceLink: a fresh read before a send.
async function getInvoice(src: QboSource, externalId: string): Promise<Invoice | null> {
  if (!/^\d+$/.test(externalId)) return null;
  const withLink: Record<string, string> =
    src.client.options.minorVersion >= INVOICE_LINK_MINOR ? { include: "invoiceLink" } : {};
  const raw = await src.client.read("Invoice", externalId, withLink);
  if (raw === null) return null;
  const parsed = QboInvoice.safeParse(raw);
  if (!parsed.success) throw fromZodError(parsed.error, `${src.ctx.instanceId} getInvoice(${externalId})`);
  try {
    return mapInvoice(parsed.data, await src.mapContext());
  } catch (error) {
    if (!(error instanceof MappingError)) throw error;
    throw new ValidationError(`${src.ctx.instanceId} getInvoice(${externalId}): ${error.message}`, []);
  }
}

/** "statement": the invoice PDF QuickBooks renders; "payment_link": its QuickBooks Payments link. */
async function getDocument(
  src: QboSource,
  invoice: Invoice,
  kind: DocumentKind,
): Promise<InvoiceDocument | null> {
  if (kind === "statement") {
    // GET /invoice/<id>/pdf (Invoice reference, "Get an invoice as PDF")
    const bytes = await src.client.pdf("Invoice", invoice.externalId);
    if (!bytes || bytes.byteLength === 0) return null;
    return { type: "file", kind, bytes, mime: "application/pdf", filename: `invoice-${invoice.number}.pdf` };
  }
  if (kind === "payment_link") {
    const fresh = await getInvoice(src, invoice.externalId);
    const url = fresh?.instruments.payLink;
    return url ? { type: "url", kind, url } : null;
  }
  return null;
}

// GET /preferences: the token works and the company answers.
async function healthCheck(src: QboSource, options: QuickBooksOptions): Promise<Health> {
  const started = src.ctx.clock.now().getTime();
  try {
    await src.client.request({ method: "GET", url: "preferences" });
    return {
      ok: true,
      detail: `QuickBooks Online company ${options.realmId} (${options.environment}, minorversion ${options.minorVersion})`,
      latencyMs: src.ctx.clock.now().getTime() - started,
    };
  } catch (error) {
    return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
  }
}
