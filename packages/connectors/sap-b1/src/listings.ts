import { pageOf, type QueryParams } from "@regua/connector-kit";
import type { Customer, Invoice, ListQuery, Page, Payment } from "@regua/core";
import type { ServiceLayerClient } from "./client.js";
import { creditedInvoices, laterStamp, type Mapper, type Stamp, stampOf } from "./map.js";
import type { SapB1Options } from "./options.js";
import {
  changedSince,
  type KeyCursor,
  keyCheckpoint,
  mapRows,
  type StampCursor,
  stampCheckpoint,
} from "./pages.js";
import { BusinessPartner, Document, IncomingPayment, isPlainDocument } from "./schemas.js";

// $select lists: the EntityType properties régua maps (SAPB1-v2.edmx BusinessPartner, Document, Payment).
const BP_FIELDS =
  "CardCode,CardName,CardType,Phone1,Phone2,Cellular,EmailAddress,FederalTaxID,Country,UpdateDate,UpdateTime";
const DOC_FIELDS =
  "DocEntry,DocNum,CardCode,DocDate,DocDueDate,DocTotal,PaidToDate,DocTotalFc,PaidToDateFC,DocCurrency," +
  "DocumentStatus,Cancelled,CancelStatus,UpdateDate,UpdateTime";
const PAYMENT_FIELDS = "DocEntry,DocDate,CardCode,DocCurrency,CashSum,TransferSum,Cancelled,PaymentInvoices";
const STAMP_ORDER = "UpdateDate,UpdateTime,DocEntry";
/** DocEntry values per `$filter` when re-reading the invoices credit notes closed (URL length). */
const LOOKUP_CHUNK = 40;

/** What the listings share within one connector instance. */
export interface SapSource {
  /** The source instance id: checkpoint errors name it. */
  source: string;
  client: ServiceLayerClient;
  options: SapB1Options;
  /** The instance's mapper (created once the local currency is known). */
  mapper(): Promise<Mapper>;
}

export function invoiceFields(options: SapB1Options): string {
  return [DOC_FIELDS, ...Object.values(options.udf).filter(Boolean)].join(",");
}

const docKey = (raw: Record<string, unknown>) => raw.DocEntry;
const cardKey = (raw: Record<string, unknown>) => raw.CardCode;

export function invoiceRows(rows: readonly unknown[], mapper: Mapper) {
  return mapRows(rows, Document, mapper.invoice, "invoices", docKey, isPlainDocument);
}

function startStamp(text: string | null | undefined, where: string): StampCursor {
  const cursor = stampCheckpoint.decode(text, where);
  if (!cursor) return { kind: "stamp", since: null, max: null, phase: "main", next: null };
  if (cursor.phase === "done")
    return { kind: "stamp", since: cursor.max, max: cursor.max, phase: "main", next: null };
  return cursor;
}

function stampParams(
  options: SapB1Options,
  fields: string,
  orderby: string,
  since: Stamp | null,
  base?: string,
): QueryParams {
  const filters = [base, since ? changedSince(since, options.version) : undefined].filter(Boolean);
  return {
    $select: fields,
    $orderby: orderby,
    ...(filters.length ? { $filter: filters.join(" and ") } : {}),
  };
}

export async function* listCustomers(source: SapSource, query: ListQuery): AsyncIterable<Page<Customer>> {
  const cursor = startStamp(query.cursor, `${source.source} customers`);
  const mapper = await source.mapper();
  // GET /BusinessPartners — customers only (CardType cCustomer; suppliers and leads are not dunned).
  const base = "CardType eq 'cCustomer'";
  const params = stampParams(source.options, BP_FIELDS, "UpdateDate,UpdateTime,CardCode", cursor.since, base);
  for await (const page of source.client.pages("BusinessPartners", params, cursor.next)) {
    const { items, rejects, parsed } = mapRows(
      page.items,
      BusinessPartner,
      mapper.customer,
      "customers",
      cardKey,
    );
    for (const bp of parsed) cursor.max = laterStamp(cursor.max, stampOf(bp));
    const next = page.next;
    yield pageOf(items, rejects, stampCheckpoint.encode({ ...cursor, phase: next ? "main" : "done", next }));
  }
}

export async function* listInvoices(source: SapSource, query: ListQuery): AsyncIterable<Page<Invoice>> {
  const cursor = startStamp(query.cursor, `${source.source} invoices`);
  if (cursor.phase === "main") {
    yield* changedInvoices(source, cursor);
    cursor.next = null;
  }
  // A full listing sees every invoice; only an incremental one needs the credit-note pass.
  if (cursor.phase === "done" || !cursor.since) return;
  yield* creditedInvoicePages(source, cursor, cursor.since);
}

/** GET /Invoices changed since the stamp, oldest change first. Leaves `cursor` at the phase that follows. */
async function* changedInvoices(source: SapSource, cursor: StampCursor): AsyncIterable<Page<Invoice>> {
  const mapper = await source.mapper();
  const params = stampParams(source.options, invoiceFields(source.options), STAMP_ORDER, cursor.since);
  for await (const page of source.client.pages("Invoices", params, cursor.next)) {
    const { items, rejects, parsed } = invoiceRows(page.items, mapper);
    for (const doc of parsed) cursor.max = laterStamp(cursor.max, stampOf(doc));
    const next = page.next;
    cursor.phase = next ? "main" : cursor.since ? "credits" : "done";
    yield pageOf(items, rejects, stampCheckpoint.encode({ ...cursor, next }));
  }
}

/**
 * GET /CreditNotes changed since the stamp: an invoice closed by a credit note is re-read,
 * since some releases do not move the invoice's own UpdateDate when a credit note closes it.
 */
async function* creditedInvoicePages(
  source: SapSource,
  cursor: StampCursor,
  since: Stamp,
): AsyncIterable<Page<Invoice>> {
  const seen = new Set<number>();
  const params = stampParams(source.options, `${DOC_FIELDS},DocumentLines`, STAMP_ORDER, since);
  for await (const page of source.client.pages("CreditNotes", params, cursor.next)) {
    const { parsed, rejects } = mapRows(page.items, Document, (doc) => doc, "invoices", docKey);
    for (const doc of parsed) cursor.max = laterStamp(cursor.max, stampOf(doc));
    const items = await creditedSince(source, parsed, since, seen);
    const next = page.next;
    yield pageOf(
      items,
      rejects,
      stampCheckpoint.encode({ ...cursor, phase: next ? "credits" : "done", next }),
    );
  }
}

/** Re-reads the invoices these credit notes are based on, minus those the main phase listed. */
async function creditedSince(
  source: SapSource,
  creditNotes: Document[],
  since: Stamp,
  seen: Set<number>,
): Promise<Invoice[]> {
  const mapper = await source.mapper();
  const entries = creditNotes.flatMap(creditedInvoices).filter((entry) => !seen.has(entry));
  const out: Invoice[] = [];
  for (let i = 0; i < entries.length; i += LOOKUP_CHUNK) {
    const chunk = entries.slice(i, i + LOOKUP_CHUNK);
    const params = {
      $select: invoiceFields(source.options),
      $filter: chunk.map((entry) => `DocEntry eq ${entry}`).join(" or "),
    };
    for await (const page of source.client.pages("Invoices", params)) {
      const { items, parsed } = invoiceRows(page.items, mapper);
      parsed.forEach((doc, k) => {
        const stamp = stampOf(doc);
        const listedAlready = stamp !== null && laterStamp(stamp, since) === stamp;
        if (!listedAlready && items[k]) out.push(items[k]);
        seen.add(doc.DocEntry);
      });
    }
  }
  return out;
}

export async function* listPayments(source: SapSource, query: ListQuery): AsyncIterable<Page<Payment>> {
  const cursor: KeyCursor = keyCheckpoint.decode(query.cursor, `${source.source} payments`) ?? {
    kind: "key",
    after: null,
    next: null,
  };
  const mapper = await source.mapper();
  const start = cursor.next === null ? cursor.after : null;
  // GET /IncomingPayments — no update stamp on payments: incremental by DocEntry; cancelled ones skipped.
  const filter = ["Cancelled eq 'tNO'", ...(start !== null ? [`DocEntry gt ${start}`] : [])].join(" and ");
  const params = { $select: PAYMENT_FIELDS, $filter: filter, $orderby: "DocEntry" };
  for await (const page of source.client.pages("IncomingPayments", params, cursor.next)) {
    const { items, rejects, parsed } = mapRows(
      page.items,
      IncomingPayment,
      mapper.payment,
      "payments",
      docKey,
    );
    for (const p of parsed) cursor.after = Math.max(cursor.after ?? 0, p.DocEntry);
    yield pageOf(items, rejects, keyCheckpoint.encode({ ...cursor, next: page.next }));
  }
}
