import { pageOf } from "@regua/connector-kit";
import type { Customer, Invoice, ListQuery, Page, Payment } from "@regua/core";
import type { z } from "zod";
import type { OdooClient } from "./client.js";
import { type MapContext, mapCustomer, mapInvoice, mapPayment } from "./map.js";
import type { OdooOptions } from "./options.js";
import { advance, afterKeyset, checkpoint, type Keyset, mapRows, startingKeyset } from "./pages.js";
import { AccountPayment, Move, Partner, TermLine } from "./schemas.js";

/** What the listings share within one connector instance. */
export interface OdooSource {
  source: string;
  client: OdooClient;
  options: OdooOptions;
  context: MapContext;
}

const ORDER = "write_date asc, id asc";
const fieldsOf = (schema: z.ZodObject) => Object.keys(schema.shape);
export const MOVE_FIELDS = fieldsOf(Move);
const TERM_FIELDS = fieldsOf(TermLine);
const PAYMENT_FIELDS = fieldsOf(AccountPayment);
const PARTNER_OPTIONAL = new Set(["mobile"]);

/**
 * Customer invoices only (out_refund is a credit, never dunned); invoicing_legacy ones predate
 * the accounting app and are not tracked; drafts only when they were posted before (a reset to
 * draft must reach the store, a never-posted draft owes nothing).
 */
export const INVOICE_DOMAIN: unknown[] = [
  ["move_type", "=", "out_invoice"],
  ["payment_state", "!=", "invoicing_legacy"],
  "|",
  ["state", "!=", "draft"],
  ["posted_before", "=", true],
];
/** The commercial entities (companies and people without a parent): contacts are dunned through them. */
export const PARTNER_DOMAIN: unknown[] = ["|", ["is_company", "=", true], ["parent_id", "=", false]];
const PAYMENT_DOMAIN: unknown[] = [
  ["partner_type", "=", "customer"],
  ["payment_type", "=", "inbound"],
  // 16/17: the move's state (posted); 18 added in_process and paid.
  ["state", "in", ["posted", "in_process", "paid"]],
];

/** search_read by keyset, page after page, each page's checkpoint encoded once it is read. */
async function* keysetPages(
  source: OdooSource,
  model: string,
  domain: unknown[],
  fields: string[],
  query: ListQuery,
  entity: string,
): AsyncIterable<{ rows: unknown[]; cursor: string }> {
  let keyset: Keyset | null = startingKeyset(query.cursor, `${source.source} ${entity}`);
  const limit = source.options.pageSize;
  const pages = source.client.pages<Keyset>(
    { model, method: "search_read", kwargs: { fields, limit, order: ORDER } },
    (token) => ({ domain: [...domain, ...afterKeyset(token)] }),
    ({ items, token }) => (items.length < limit ? null : advance(token, items)),
    keyset,
  );
  for await (const page of pages) {
    keyset = advance(keyset, page.items);
    yield { rows: page.items, cursor: checkpoint.encode({ keyset, done: page.next === null }) };
  }
}

/** The partner fields this Odoo has (18 dropped mobile): fields_get once per instance. */
export async function partnerFields(source: OdooSource): Promise<string[]> {
  const available = await source.client.fields("res.partner");
  return fieldsOf(Partner).filter((f) => !PARTNER_OPTIONAL.has(f) || available.has(f));
}

export async function* listCustomers(source: OdooSource, query: ListQuery): AsyncIterable<Page<Customer>> {
  const fields = await partnerFields(source);
  for await (const page of keysetPages(source, "res.partner", PARTNER_DOMAIN, fields, query, "customers")) {
    const { items, rejects } = mapRows(
      page.rows,
      Partner,
      (p) => mapCustomer(p, source.context),
      "customers",
    );
    yield pageOf(items, rejects, page.cursor);
  }
}

/** The payment-term lines of these invoices, by invoice id, earliest due date first. */
async function termsOf(
  source: OdooSource,
  moveIds: number[],
): Promise<Map<number, z.output<typeof TermLine>[]>> {
  const byMove = new Map<number, z.output<typeof TermLine>[]>();
  if (moveIds.length === 0) return byMove;
  const rows = await source.client.call({
    model: "account.move.line",
    method: "search_read",
    kwargs: {
      domain: [
        ["move_id", "in", moveIds],
        ["display_type", "=", "payment_term"],
      ],
      fields: TERM_FIELDS,
      order: "date_maturity asc, id asc",
    },
    readOnly: true,
  });
  for (const raw of Array.isArray(rows) ? rows : []) {
    const line = TermLine.safeParse(raw);
    if (!line.success || !line.data.move_id) continue;
    const list = byMove.get(line.data.move_id.id) ?? [];
    list.push(line.data);
    byMove.set(line.data.move_id.id, list);
  }
  return byMove;
}

/** Invoices mapped with their installments (one extra search_read per page for the term lines). */
export async function invoicesOf(source: OdooSource, rows: readonly unknown[]) {
  const ids = rows
    .map((row) => (row as { id?: unknown })?.id)
    .filter((id): id is number => typeof id === "number");
  const terms = await termsOf(source, ids);
  return mapRows(
    rows,
    Move,
    (move) => mapInvoice(move, terms.get(move.id) ?? [], source.context),
    "invoices",
  );
}

export async function* listInvoices(source: OdooSource, query: ListQuery): AsyncIterable<Page<Invoice>> {
  for await (const page of keysetPages(
    source,
    "account.move",
    INVOICE_DOMAIN,
    MOVE_FIELDS,
    query,
    "invoices",
  )) {
    const { items, rejects } = await invoicesOf(source, page.rows);
    yield pageOf(items, rejects, page.cursor);
  }
}

export async function* listPayments(source: OdooSource, query: ListQuery): AsyncIterable<Page<Payment>> {
  for await (const page of keysetPages(
    source,
    "account.payment",
    PAYMENT_DOMAIN,
    PAYMENT_FIELDS,
    query,
    "payments",
  )) {
    const { items, rejects } = mapRows(
      page.rows,
      AccountPayment,
      (p) => mapPayment(p, source.context),
      "payments",
    );
    yield pageOf(items, rejects, page.cursor);
  }
}
