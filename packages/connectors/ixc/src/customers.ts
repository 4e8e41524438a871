import { defineCheckpoint, pageOf } from "@regua/connector-kit";
import type { Customer, ListQuery, Page } from "@regua/core";
import { z } from "zod";
import { type IxcSource, listing, mapRows } from "./listings.js";
import { mapCliente } from "./map.js";
import { finish, KeysetCursor, newestSeen, START, unseen } from "./pages.js";
import { Cliente, Contrato } from "./schemas.js";

/**
 * Customers come with their contracts' suspension state (cliente_contrato.status_internet, the
 * ISP's "bloqueio"). A block or an unblock changes the contract, not the cliente row, so an
 * incremental run has two phases: clientes changed since their stamp, then clientes whose
 * contracts changed since the contracts' stamp, read again with every contract.
 */
const CustomersCursor = z.object({
  phase: z.enum(["cliente", "contrato"]),
  /** A full listing: every contract is read with its cliente, so no contracts' phase follows. */
  full: z.boolean(),
  cliente: KeysetCursor,
  contrato: KeysetCursor,
});
type CustomersCursor = z.infer<typeof CustomersCursor>;

const customersCheckpoint = defineCheckpoint({
  kind: "@regua/connector-ixc customers",
  version: 1,
  schema: CustomersCursor,
});

type Row = Record<string, unknown>;

/** Every row of `table` whose `column` lies between the ids' bounds (one grid query per page). */
async function rowsForIds(source: IxcSource, table: string, column: string, ids: readonly string[]) {
  if (ids.length === 0) return [];
  const numbers = ids.map(Number);
  const rows = await source.client.listarAll(table, [
    { TB: `${table}.${column}`, OP: ">=", P: String(Math.min(...numbers)) },
    { TB: `${table}.${column}`, OP: "<=", P: String(Math.max(...numbers)) },
  ]);
  const wanted = new Set(ids);
  return (rows as Row[]).filter((row) => wanted.has(String(row[column])));
}

/** The page's clientes mapped with their contracts; the newest contract stamp read. */
async function withContracts(source: IxcSource, clientes: readonly Row[]) {
  const ids = clientes.map((row) => String(row.id));
  const contractRows = await rowsForIds(source, "cliente_contrato", "id_cliente", ids);
  const byCliente = new Map<string, Contrato[]>();
  for (const raw of contractRows) {
    const contract = Contrato.safeParse(raw);
    if (!contract.success) continue;
    byCliente.set(contract.data.id_cliente, [
      ...(byCliente.get(contract.data.id_cliente) ?? []),
      contract.data,
    ]);
  }
  const mapped = mapRows(
    clientes,
    Cliente,
    (row) => mapCliente(row, source.map, byCliente.get(row.id)),
    "customers",
  );
  return { ...mapped, contractRows };
}

// POST /webservice/v1/cliente, then cliente_contrato (ixcsoft: listar), by ultima_atualizacao.
export async function* listCustomers(source: IxcSource, query: ListQuery): AsyncIterable<Page<Customer>> {
  const stored = customersCheckpoint.decode(query.cursor, `${source.map.source} customers`);
  const cursor: CustomersCursor = stored ?? { phase: "cliente", full: true, cliente: START, contrato: START };
  if (cursor.phase === "cliente") {
    const last = yield* changedClientes(source, cursor);
    if (cursor.full) return;
    cursor.cliente = last;
  }
  yield* changedContracts(source, cursor);
}

/** Clientes changed since their stamp, with their contracts. Returns the cliente cursor it ends at. */
async function* changedClientes(source: IxcSource, cursor: CustomersCursor) {
  const grid = listing(source, "cliente", []);
  const contracts = listing(source, "cliente_contrato", []);
  let current = cursor.cliente;
  // A full listing follows the newest contract it reads: the next run's contracts' phase starts there.
  let contrato = cursor.contrato;
  for await (const page of source.client.pages(grid, current.stamp === null ? null : current)) {
    const rows = page.items as Row[];
    const { items, rejects, contractRows } = await withContracts(source, unseen(grid, current, rows));
    if (cursor.full) contrato = newestSeen(contracts, contrato, contractRows);
    const next = page.next ?? finish(grid, current, rows);
    const state: CustomersCursor = page.next
      ? { ...cursor, cliente: next, contrato }
      : { phase: cursor.full ? "cliente" : "contrato", full: false, cliente: next, contrato };
    yield pageOf(items, rejects, customersCheckpoint.encode(state));
    current = next;
  }
  return current;
}

/** Clientes whose contracts changed since the contracts' stamp, read again with their contracts. */
async function* changedContracts(source: IxcSource, cursor: CustomersCursor): AsyncIterable<Page<Customer>> {
  const grid = listing(source, "cliente_contrato", []);
  let current = cursor.contrato;
  for await (const page of source.client.pages(grid, current.stamp === null ? null : current)) {
    const rows = page.items as Row[];
    const ids = [...new Set(unseen(grid, current, rows).map((row) => String(row.id_cliente)))];
    const { items, rejects } = await withContracts(source, await rowsForIds(source, "cliente", "id", ids));
    const next = page.next ?? finish(grid, current, rows);
    const state: CustomersCursor = page.next
      ? { ...cursor, phase: "contrato", contrato: next }
      : { phase: "cliente", full: false, cliente: cursor.cliente, contrato: next };
    yield pageOf(items, rejects, customersCheckpoint.encode(state));
    current = next;
  }
}
