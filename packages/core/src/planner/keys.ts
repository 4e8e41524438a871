/**
 * Idempotency keys: readable, deterministic, and unique per (source, invoice or customer,
 * step, due date). The outbox stores each key once, so planning the same day twice, or
 * after a restart, never duplicates a message.
 *
 *   invoice grouping:  "matriz:inv:NF-123:vencida-d3:2026-11-20"
 *   customer grouping: "matriz:cust:C-9:vencida-d3:2026-11-20:5f1c2a9b"
 *
 * The customer key ends with a hash of the invoice refs it covers, so an invoice with the
 * same due date synced after the first message still gets its own message.
 */

/** Parts may contain ":" (ERP keys do); those are percent-encoded so parts cannot run together. */
function part(text: string): string {
  return /[:%\s]/.test(text) ? encodeURIComponent(text) : text;
}

export function invoiceActionKey(
  source: string,
  invoiceRef: string,
  stepId: string,
  dueDate: string,
): string {
  return `${part(source)}:inv:${part(invoiceRef)}:${stepId}:${dueDate}`;
}

export function customerActionKey(
  source: string,
  customerRef: string,
  stepId: string,
  dueDate: string,
  sortedInvoiceRefs: readonly string[],
): string {
  return `${part(source)}:cust:${part(customerRef)}:${stepId}:${dueDate}:${fnv1a(sortedInvoiceRefs.join("\u0000"))}`;
}

/** 32-bit FNV-1a as 8 hex digits: cheap, stable across runs and platforms. */
export function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
