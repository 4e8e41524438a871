import {
  type Connector,
  type Customer,
  type Health,
  type Invoice,
  isReguaError,
  type ListQuery,
  type Page,
  type Payment,
  type PluginContext,
} from "@regua/core";
import { ServiceLayerClient } from "./client.js";
import {
  creditedInvoices,
  laterStamp,
  mapCustomer,
  mapInvoice,
  mapPayment,
  type Stamp,
  stampOf,
} from "./map.js";
import type { SapB1Options } from "./options.js";
import {
  changedSince,
  decodeCursor,
  encodeCursor,
  type KeyCursor,
  mapRows,
  pageOf,
  type StampCursor,
} from "./pages.js";
import { BusinessPartner, Document, IncomingPayment, isPlainDocument } from "./schemas.js";
import { ActivityWriter } from "./writeback.js";

// $select lists: the EntityType properties régua maps (SAPB1-v2.edmx BusinessPartner, Document, Payment).
const BP_FIELDS =
  "CardCode,CardName,CardType,Phone1,Phone2,Cellular,EmailAddress,FederalTaxID,Country,UpdateDate,UpdateTime";
const DOC_FIELDS =
  "DocEntry,DocNum,CardCode,DocDate,DocDueDate,DocTotal,PaidToDate,DocCurrency,DocumentStatus,Cancelled,UpdateDate,UpdateTime";
const PAYMENT_FIELDS = "DocEntry,DocDate,CardCode,DocCurrency,CashSum,TransferSum,Cancelled,PaymentInvoices";
/** DocEntry values per `$filter` when re-reading the invoices credit notes closed (URL length). */
const LOOKUP_CHUNK = 40;

export function createSapB1Connector(options: SapB1Options, ctx: PluginContext): Connector {
  const client = new ServiceLayerClient(options, ctx);
  const writer = new ActivityWriter(client, options, ctx.log);
  const source = ctx.instanceId;
  const invoiceFields = [DOC_FIELDS, ...Object.values(options.udf).filter(Boolean)].join(",");
  const toInvoice = (doc: Document) => mapInvoice(doc, source, options);
  const docKey = (raw: Record<string, unknown>) => raw.DocEntry;
  const invoiceRows = (rows: readonly unknown[]) =>
    mapRows(rows, Document, toInvoice, "invoices", docKey, isPlainDocument);

  function startStamp(text: string | null | undefined): StampCursor {
    const cursor = decodeCursor<StampCursor>(text, "stamp");
    if (!cursor) return { kind: "stamp", since: null, max: null, phase: "main", next: null };
    if (cursor.phase === "done")
      return { kind: "stamp", since: cursor.max, max: cursor.max, phase: "main", next: null };
    return cursor;
  }

  function firstParams(
    fields: string,
    orderby: string,
    since: Stamp | null,
    base?: string,
  ): Record<string, string> {
    const filters = [base, since ? changedSince(since, options.version) : undefined].filter(Boolean);
    return {
      $select: fields,
      $orderby: orderby,
      ...(filters.length ? { $filter: filters.join(" and ") } : {}),
    };
  }

  async function* listCustomers(query: ListQuery): AsyncIterable<Page<Customer>> {
    const cursor = startStamp(query.cursor);
    // GET /BusinessPartners — customers only (CardType cCustomer; suppliers and leads are not dunned).
    let page = cursor.next
      ? await client.page(cursor.next)
      : await client.page(
          "BusinessPartners",
          firstParams(BP_FIELDS, "UpdateDate,UpdateTime,CardCode", cursor.since, "CardType eq 'cCustomer'"),
        );
    for (;;) {
      const { items, rejects, parsed } = mapRows(
        page.rows,
        BusinessPartner,
        (bp) => mapCustomer(bp, source, options),
        "customers",
        (raw) => raw.CardCode,
      );
      for (const bp of parsed) cursor.max = laterStamp(cursor.max, stampOf(bp));
      const next = page.nextLink;
      yield pageOf(items, rejects, encodeCursor({ ...cursor, phase: next ? "main" : "done", next }));
      if (!next) return;
      page = await client.page(next);
    }
  }

  /** Re-reads the invoices these credit notes are based on, minus those the main phase listed. */
  async function creditedSince(creditNotes: Document[], since: Stamp, seen: Set<number>): Promise<Invoice[]> {
    const entries = creditNotes.flatMap(creditedInvoices).filter((entry) => !seen.has(entry));
    const out: Invoice[] = [];
    for (let i = 0; i < entries.length; i += LOOKUP_CHUNK) {
      const chunk = entries.slice(i, i + LOOKUP_CHUNK);
      const filter = chunk.map((entry) => `DocEntry eq ${entry}`).join(" or ");
      let page = await client.page("Invoices", { $select: invoiceFields, $filter: filter });
      for (;;) {
        const { items, parsed } = invoiceRows(page.rows);
        parsed.forEach((doc, k) => {
          const stamp = stampOf(doc);
          const listedAlready = stamp !== null && laterStamp(stamp, since) === stamp;
          if (!listedAlready && items[k]) out.push(items[k]);
          seen.add(doc.DocEntry);
        });
        if (!page.nextLink) break;
        page = await client.page(page.nextLink);
      }
    }
    return out;
  }

  async function* listInvoices(query: ListQuery): AsyncIterable<Page<Invoice>> {
    const cursor = startStamp(query.cursor);
    const orderby = "UpdateDate,UpdateTime,DocEntry";
    if (cursor.phase === "main") {
      // GET /Invoices changed since the stamp, oldest change first.
      let page = cursor.next
        ? await client.page(cursor.next)
        : await client.page("Invoices", firstParams(invoiceFields, orderby, cursor.since));
      for (;;) {
        const { items, rejects, parsed } = invoiceRows(page.rows);
        for (const doc of parsed) cursor.max = laterStamp(cursor.max, stampOf(doc));
        const next = page.nextLink;
        // A full listing sees every invoice; only an incremental one needs the credit-note pass.
        const phase = next ? "main" : cursor.since ? "credits" : "done";
        yield pageOf(items, rejects, encodeCursor({ ...cursor, phase, next }));
        if (!next) break;
        page = await client.page(next);
      }
      if (!cursor.since) return;
      cursor.next = null;
    }
    if (cursor.phase === "done" || !cursor.since) return;
    // GET /CreditNotes changed since the stamp: an invoice closed by a credit note is re-read,
    // since some releases do not move the invoice's own UpdateDate when a credit note closes it.
    const since = cursor.since;
    const seen = new Set<number>();
    let page = cursor.next
      ? await client.page(cursor.next)
      : await client.page("CreditNotes", firstParams(`${DOC_FIELDS},DocumentLines`, orderby, since));
    for (;;) {
      const { parsed, rejects } = mapRows(page.rows, Document, (doc) => doc, "invoices", docKey);
      for (const doc of parsed) cursor.max = laterStamp(cursor.max, stampOf(doc));
      const items = await creditedSince(parsed, since, seen);
      const next = page.nextLink;
      yield pageOf(items, rejects, encodeCursor({ ...cursor, phase: next ? "credits" : "done", next }));
      if (!next) return;
      page = await client.page(next);
    }
  }

  async function* listPayments(query: ListQuery): AsyncIterable<Page<Payment>> {
    const cursor = decodeCursor<KeyCursor>(query.cursor, "key") ?? { kind: "key", after: null, next: null };
    const start = cursor.next === null ? cursor.after : null;
    // GET /IncomingPayments — no update stamp on payments: incremental by DocEntry; cancelled ones skipped.
    const filter = ["Cancelled eq 'tNO'", ...(start !== null ? [`DocEntry gt ${start}`] : [])].join(" and ");
    let page = cursor.next
      ? await client.page(cursor.next)
      : await client.page("IncomingPayments", {
          $select: PAYMENT_FIELDS,
          $filter: filter,
          $orderby: "DocEntry",
        });
    for (;;) {
      const { items, rejects, parsed } = mapRows(
        page.rows,
        IncomingPayment,
        (p) => mapPayment(p, source, options),
        "payments",
        docKey,
      );
      for (const p of parsed) cursor.after = Math.max(cursor.after ?? 0, p.DocEntry);
      const next = page.nextLink;
      yield pageOf(items, rejects, encodeCursor({ ...cursor, next }));
      if (!next) return;
      page = await client.page(next);
    }
  }

  return {
    capabilities: { payments: true, getInvoice: true, writeActivity: true, webhooks: false },
    listCustomers,
    listInvoices,
    listPayments,
    // GET /Invoices(DocEntry): a fresh read before a send.
    async getInvoice(externalId) {
      if (!/^\d+$/.test(externalId)) return null;
      try {
        const doc = await client.request({
          method: "GET",
          path: `Invoices(${externalId})`,
          params: { $select: invoiceFields },
        });
        const { items, rejects } = invoiceRows([doc]);
        if (rejects[0]) throw new Error(`invoice ${externalId}: ${rejects[0].error}`);
        return items[0] ?? null;
      } catch (error) {
        if (isReguaError(error) && error.code === "NOT_FOUND") return null;
        throw error;
      }
    },
    writeActivity: (activity) => writer.write(activity),
    async healthCheck(): Promise<Health> {
      const started = ctx.clock.now().getTime();
      try {
        await client.request({
          method: "GET",
          path: "BusinessPartners",
          params: { $select: "CardCode", $top: "1" },
        });
        const latencyMs = ctx.clock.now().getTime() - started;
        return {
          ok: true,
          detail: `Service Layer ${options.version} at ${options.baseUrl}, company ${options.companyDb}`,
          latencyMs,
        };
      } catch (error) {
        return { ok: false, detail: isReguaError(error) ? error.describe() : String(error) };
      }
    },
    close: () => client.close(),
  };
}
