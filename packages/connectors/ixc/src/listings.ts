import { mapRows as kitMapRows, pageOf } from "@regua/connector-kit";
import type { EntityName, Invoice, ListQuery, Page, Payment } from "@regua/core";
import type { z } from "zod";
import type { IxcClient } from "./client.js";
import { type MapContext, mapAreceber, mapRecebimento } from "./map.js";
import {
  checkpoint,
  finish,
  type GridFilter,
  type GridListing,
  type KeysetCursor,
  START,
  unseen,
} from "./pages.js";
import { Areceber } from "./schemas.js";

/** What the listings share within one connector instance. */
export interface IxcSource {
  client: IxcClient;
  map: MapContext;
}

/** One page of rows through the kit's mapRows; a null from the mapper leaves the row out. */
export function mapRows<TRow, TOut>(
  rows: readonly unknown[],
  schema: z.ZodType<TRow>,
  map: (row: TRow) => TOut | null,
  entity: EntityName,
) {
  const { items, rejects } = kitMapRows(rows, { schema, map, entity });
  return { items, rejects };
}

export function listing(source: IxcSource, table: string, filters: readonly GridFilter[]): GridListing {
  const { changeField, pageSize } = source.client.options;
  return { table, changeField, rp: pageSize, filters };
}

/**
 * A keyset listing from the stored cursor: each page's unseen rows mapped, with the cursor to
 * resume after it (the last page's is where the next incremental sync starts).
 */
async function* keysetListing<TRow, TOut>(
  source: IxcSource,
  grid: GridListing,
  query: ListQuery,
  entity: EntityName,
  parse: { schema: z.ZodType<TRow>; map: (row: TRow) => TOut | null },
): AsyncIterable<Page<TOut>> {
  const resume = checkpoint.decode(query.cursor, `${source.map.source} ${entity}`);
  let current: KeysetCursor = resume ?? START;
  for await (const page of source.client.pages(grid, resume)) {
    const rows = page.items as Record<string, unknown>[];
    const { items, rejects } = mapRows(unseen(grid, current, rows), parse.schema, parse.map, entity);
    const next = page.next ?? finish(grid, current, rows);
    yield pageOf(items, rejects, checkpoint.encode(next));
    if (page.next) current = page.next;
  }
}

/** Receivables released for collection (liberado = S) unless the options say otherwise. */
export function areceberFilters(source: IxcSource): GridFilter[] {
  return source.client.options.releasedOnly ? [{ TB: "fn_areceber.liberado", OP: "=", P: "S" }] : [];
}

// POST /webservice/v1/fn_areceber (ixcsoft: listar), by ultima_atualizacao.
export function listInvoices(source: IxcSource, query: ListQuery): AsyncIterable<Page<Invoice>> {
  return keysetListing(source, listing(source, "fn_areceber", areceberFilters(source)), query, "invoices", {
    schema: Areceber,
    map: (row) => mapAreceber(row, source.map),
  });
}

// The receipts recorded on receivables (valor_recebido > 0), by ultima_atualizacao.
export function listPayments(source: IxcSource, query: ListQuery): AsyncIterable<Page<Payment>> {
  const filters: GridFilter[] = [{ TB: "fn_areceber.valor_recebido", OP: ">", P: "0" }];
  return keysetListing(source, listing(source, "fn_areceber", filters), query, "payments", {
    schema: Areceber,
    map: (row) => mapRecebimento(row, source.map),
  });
}
