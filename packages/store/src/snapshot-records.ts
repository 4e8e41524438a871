import {
  ACTION_STATUSES,
  type ActionHistoryEntry,
  type ActionStatus,
  CurrencyCode,
  Customer,
  describeZodError,
  E164,
  Installment,
  Invoice,
  IsoDate,
  IsoDateTime,
  PermanentError,
  type SnapshotInvoice,
} from "@regua/core";
import { z } from "zod";
import { type HistoryColumns, readCustomer, readHistoryEntry, toNumber } from "./codec.js";

/**
 * Records on the snapshots hot path (a full plan reads ~1M invoices and 200k customers).
 *
 * Invoices are not parsed at all: the planner's fields come from columns (SnapshotInvoice), which
 * was half of reading snapshots (JSON.parse of ~1M records and the garbage it left). Customers
 * keep their record; why not zod for them: `record` holds the JSON of a record that already has core's parsed shape —
 * commitPage and upsertInvoice are typed on core's `Invoice`/`Customer` (zod's output type, what
 * connectors produce by parsing), and the store serialises exactly that object without `raw`.
 * Parsing it again with zod on every read was ~40 % of reading snapshots (bench/plan.ts), for
 * rows that are, by construction, already valid.
 *
 * The guard: a row takes the fast path only when its JSON has exactly the keys of the current
 * schema's output, each of the expected type, and the values the planner computes with pass the
 * same checks the schema makes (dates, instants, enums, phones). Anything else — a row written before a
 * field was added to core (a key missing or extra), an unexpected type or format, an optional
 * field whose format is costly to check cheaply (email, URLs) — goes through the full zod parse,
 * which fills defaults or throws PermanentError exactly as before. Field formats that zod checks
 * with a regex are checked with the same schemas, one field at a time, only when not already
 * in the canonical form written by `toISOString()`.
 */

/** Keys zod's output always has (required, or with a default). */
const CUSTOMER_KEYS = Object.keys(Customer.shape).filter(
  (key) => key !== "raw" && !(Customer.shape[key as keyof typeof Customer.shape] instanceof z.ZodOptional),
);
/** Keys zod's output has only when the input had them (`.optional()` without a default). */
const OPTIONAL_CUSTOMER_KEYS: ReadonlySet<string> = new Set(
  Object.keys(Customer.shape).filter(
    (key) => key !== "raw" && Customer.shape[key as keyof typeof Customer.shape] instanceof z.ZodOptional,
  ),
);
const INVOICE_STATUSES: ReadonlySet<unknown> = new Set(Invoice.shape.status.options);
const CONSENT_STATES: ReadonlySet<unknown> = new Set(Customer.shape.consent.unwrap().options);
const TAX_ID_KINDS: ReadonlySet<unknown> = new Set(["cpf", "cnpj", "other"]);
/** `Date.prototype.toISOString()` form: what the store and connectors write for instants. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every key in `keys`, and besides them only keys in `optional`. */
function hasExactly(value: Json, keys: readonly string[], optional: ReadonlySet<string>): boolean {
  // JSON.parse makes own properties only; an inherited enumerable one would make the count differ.
  let count = 0;
  for (const key in value) if (!optional.has(key)) count++;
  if (count !== keys.length) return false;
  for (const key of keys) if (!Object.hasOwn(value, key)) return false;
  return true;
}

/** Per distinct value, whether a field schema accepts it unchanged (dates, currencies, phones repeat). */
function memoCheck(schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }) {
  const seen = new Map<string, boolean>();
  return (value: unknown): boolean => {
    if (typeof value !== "string") return false;
    let ok = seen.get(value);
    if (ok === undefined) {
      const result = schema.safeParse(value);
      ok = result.success && result.data === value;
      if (seen.size < 100_000) seen.set(value, ok);
    }
    return ok;
  };
}

const isDate = memoCheck(IsoDate);
const isCurrency = memoCheck(CurrencyCode);
const isPhone = memoCheck(E164);
const isInstant = memoCheck(IsoDateTime);
const EmailOrNull = Customer.shape.email;

/** Instants in another form than toISOString()'s (an offset) take the zod path. */
function isInstantOrNull(value: unknown): boolean {
  return value === null || (typeof value === "string" && CANONICAL_INSTANT.test(value) && isInstant(value));
}

function isMoney(value: unknown): boolean {
  return (
    isObject(value) &&
    hasExactly(value, MONEY_KEYS, NONE) &&
    Number.isSafeInteger(value.amountMinor) &&
    isCurrency(value.currency)
  );
}

const MONEY_KEYS = ["amountMinor", "currency"] as const;
const NONE: ReadonlySet<string> = new Set();

function isNonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === "string";
}

/** Exported for the tests: whether a parsed record takes the path without zod. */
export function isFastCustomer(value: unknown): boolean {
  if (!isObject(value) || !hasExactly(value, CUSTOMER_KEYS, OPTIONAL_CUSTOMER_KEYS)) return false;
  const { phones, tags, country, language } = value;
  return (
    // The optional fields, when present (most connectors leave them out).
    (value.deletedAt === undefined || isInstantOrNull(value.deletedAt)) &&
    (value.birthDate === undefined || value.birthDate === null || isDate(value.birthDate)) &&
    (value.postalCode === undefined || value.postalCode === null || isNonEmptyString(value.postalCode)) &&
    (value.unappliedCredit === undefined || isMoney(value.unappliedCredit)) &&
    isNonEmptyString(value.source) &&
    isNonEmptyString(value.externalId) &&
    isNonEmptyString(value.name) &&
    isStringOrNull(value.taxId) &&
    (value.taxIdKind === null || TAX_ID_KINDS.has(value.taxIdKind)) &&
    (country === null || (typeof country === "string" && country.length === 2)) &&
    Array.isArray(phones) &&
    phones.every(isPhone) &&
    (value.email === null || EmailOrNull.safeParse(value.email).data === value.email) &&
    (language === null || (typeof language === "string" && language.length >= 2)) &&
    isStringOrNull(value.segment) &&
    Array.isArray(tags) &&
    tags.every((tag) => typeof tag === "string") &&
    (value.value === null || Number.isFinite(value.value)) &&
    CONSENT_STATES.has(value.consent) &&
    isInstantOrNull(value.optedOutAt) &&
    isObject(value.customFields) &&
    isInstantOrNull(value.updatedAt)
  );
}

/** The invoice columns the planner reads (snapshots never parse invoice records). */
export interface SnapshotInvoiceRow {
  customer_ref: string;
  external_id: string;
  status: string;
  due_date: string;
  open_amount_minor: number | string;
  total_minor: number | string;
  currency: string;
  /** `record`'s number, extracted by the database. */
  number: string | null;
  /** `record`'s installments as JSON text, extracted by the database (null: none). */
  installments?: string | null;
}

/**
 * A planner invoice from its columns. The columns were written from a parsed Invoice by
 * commitPage/upsertInvoice (and the schema's CHECK keeps open amounts ≥ 0); the checks here
 * are the ones a hand-edited row could break, named by row and column. A full plan makes ~1M of
 * these: the row's name for an error is built only for an error, and an invoice without
 * installments gets no empty object spread into it.
 */
export function snapshotInvoice(source: string, row: SnapshotInvoiceRow): SnapshotInvoice {
  if (
    !INVOICE_STATUSES.has(row.status) ||
    !isDate(row.due_date) ||
    !isCurrency(row.currency) ||
    typeof row.number !== "string" ||
    row.number === ""
  ) {
    throw invalidInvoiceRow(source, row);
  }
  const invoice: SnapshotInvoice = {
    source,
    externalId: row.external_id,
    customerRef: row.customer_ref,
    number: row.number,
    dueDate: row.due_date,
    total: { amountMinor: toNumber(row.total_minor), currency: row.currency },
    openAmount: { amountMinor: toNumber(row.open_amount_minor), currency: row.currency },
    status: row.status as SnapshotInvoice["status"],
  };
  if (row.installments !== null && row.installments !== undefined) {
    const installments = snapshotInstallments(source, row, row.installments);
    if (installments.length > 0) invoice.installments = installments;
  }
  return invoice;
}

function invoiceRowName(source: string, row: SnapshotInvoiceRow): string {
  return `store invoices[${source}/${row.external_id}]`;
}

/** The first check snapshotInvoice's row fails, named by row and column. */
function invalidInvoiceRow(source: string, row: SnapshotInvoiceRow): PermanentError {
  const where = invoiceRowName(source, row);
  if (!INVOICE_STATUSES.has(row.status)) return new PermanentError(`${where}.status: "${row.status}"`);
  if (!isDate(row.due_date)) return new PermanentError(`${where}.due_date: "${row.due_date}"`);
  if (!isCurrency(row.currency)) return new PermanentError(`${where}.currency: "${row.currency}"`);
  return new PermanentError(`${where}.record: no invoice number`);
}

const Installments = z.array(Installment);

/** The invoice's installments, parsed (they are few, and only some invoices have them). */
function snapshotInstallments(
  source: string,
  row: SnapshotInvoiceRow,
  text: string,
): NonNullable<SnapshotInvoice["installments"]> {
  const parsed = Installments.safeParse(parseOrNull(text));
  if (!parsed.success) {
    const where = invoiceRowName(source, row);
    throw new PermanentError(`${where}.record.installments: ${describeZodError(parsed.error)}`);
  }
  return parsed.data;
}

const ACTION_STATUS_SET: ReadonlySet<string> = new Set(ACTION_STATUSES);

/** A history entry without zod when its refs are a JSON array of strings (as insertActions writes). */
export function snapshotHistoryEntry(row: HistoryColumns): ActionHistoryEntry {
  const refs = parseOrNull(row.invoice_refs);
  if (!ACTION_STATUS_SET.has(row.status) || !Array.isArray(refs) || !refs.every(isString)) {
    return readHistoryEntry(row);
  }
  return {
    key: row.key,
    stepId: row.step_id,
    invoiceRefs: refs as string[],
    status: row.status as ActionStatus,
    dueAt: row.due_at,
    sentAt: row.sent_at,
    repliedAt: row.replied_at,
  };
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

/** A stored customer record for the planner: fast when it has the current exact shape, else zod. */
export function snapshotCustomer(record: string): Customer {
  const value = parseOrNull(record);
  return isFastCustomer(value) ? (value as Customer) : readCustomer(record);
}

/** Invalid JSON falls to the zod path, which reports it as before. */
function parseOrNull(record: string): unknown {
  try {
    return JSON.parse(record);
  } catch {
    return null;
  }
}
