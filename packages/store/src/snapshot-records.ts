import { CurrencyCode, Customer, E164, Invoice, IsoDate, IsoDateTime } from "@regua/core";
import { readCustomer, readInvoice } from "./codec.js";

/**
 * Canonical records on the snapshots hot path (a full plan reads ~1M invoices).
 *
 * Why not zod here: `record` holds the JSON of a record that already has core's parsed shape —
 * commitPage and upsertInvoice are typed on core's `Invoice`/`Customer` (zod's output type, what
 * connectors produce by parsing), and the store serialises exactly that object without `raw`.
 * Parsing it again with zod on every read was ~40 % of reading snapshots (bench/plan.ts), for
 * rows that are, by construction, already valid.
 *
 * The guard: a row takes the fast path only when its JSON has exactly the keys of the current
 * schema's output, each of the expected type, and the values the planner computes with pass the
 * same checks the schema makes (dates, instants, money and currency, enums, phones, the
 * invoice's currency and non-negative open amount). Anything else — a row written before a
 * field was added to core (a key missing or extra), an unexpected type or format, an optional
 * field whose format is costly to check cheaply (email, URLs) — goes through the full zod parse,
 * which fills defaults or throws PermanentError exactly as before. Field formats that zod checks
 * with a regex are checked with the same schemas, one field at a time, only when not already
 * in the canonical form written by `toISOString()`.
 */

const INVOICE_KEYS = Object.keys(Invoice.shape).filter((key) => key !== "raw");
const CUSTOMER_KEYS = Object.keys(Customer.shape).filter((key) => key !== "raw");
const INVOICE_STATUSES: ReadonlySet<unknown> = new Set(Invoice.shape.status.options);
const CONSENT_STATES: ReadonlySet<unknown> = new Set(Customer.shape.consent.unwrap().options);
const TAX_ID_KINDS: ReadonlySet<unknown> = new Set(["cpf", "cnpj", "other"]);
/** `Date.prototype.toISOString()` form: what the store and connectors write for instants. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasExactly(value: Json, keys: readonly string[]): boolean {
  // JSON.parse makes own properties only; an inherited enumerable one would make the count differ.
  let count = 0;
  for (const _ in value) count++;
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

function isNonEmptyString(value: unknown): boolean {
  return typeof value === "string" && value.length > 0;
}

function isStringOrNull(value: unknown): boolean {
  return value === null || typeof value === "string";
}

function isMoney(value: unknown): value is { amountMinor: number; currency: string } {
  return (
    isObject(value) &&
    hasExactly(value, ["amountMinor", "currency"]) &&
    Number.isSafeInteger(value.amountMinor) &&
    isCurrency(value.currency)
  );
}

function isFastInvoice(value: unknown): boolean {
  if (!isObject(value) || !hasExactly(value, INVOICE_KEYS)) return false;
  const { total, openAmount, instruments } = value;
  return (
    isNonEmptyString(value.source) &&
    isNonEmptyString(value.externalId) &&
    isNonEmptyString(value.number) &&
    isNonEmptyString(value.customerRef) &&
    isDate(value.issueDate) &&
    isDate(value.dueDate) &&
    isMoney(total) &&
    isMoney(openAmount) &&
    total.currency === openAmount.currency &&
    openAmount.amountMinor >= 0 &&
    INVOICE_STATUSES.has(value.status) &&
    isObject(instruments) &&
    hasExactly(instruments, ["boletoLine", "pixCode", "payLink", "documentUrl"]) &&
    isStringOrNull(instruments.boletoLine) &&
    isStringOrNull(instruments.pixCode) &&
    // URLs: zod's check is not cheap to mirror; rows that have them take the zod path.
    instruments.payLink === null &&
    instruments.documentUrl === null &&
    isInstantOrNull(value.updatedAt)
  );
}

function isFastCustomer(value: unknown): boolean {
  if (!isObject(value) || !hasExactly(value, CUSTOMER_KEYS)) return false;
  const { phones, tags, country, language } = value;
  return (
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

/** A stored invoice record for the planner: fast when it has the current exact shape, else zod. */
export function snapshotInvoice(record: string): Invoice {
  const value = parseOrNull(record);
  return isFastInvoice(value) ? (value as Invoice) : readInvoice(record);
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
