import type { z } from "zod";
import type { EntityName, Page } from "../contracts.js";
import { fromZodError, ValidationError } from "../errors.js";
import { Customer, Invoice, Payment } from "../model.js";
import type { QuarantinedRecord } from "../store-port.js";

/**
 * A page is "mostly invalid" when more than half its records fail and at least this many do:
 * then the mapper is wrong, not one record, and the sync fails loudly instead of quarantining
 * the whole book one page at a time. A lone bad record in a small incremental page is quarantined.
 */
const MIN_INVALID_TO_FAIL = 3;

export type CanonicalRecord = Customer | Invoice | Payment;

export interface CheckedPage {
  customers?: Customer[];
  invoices?: Invoice[];
  payments?: Payment[];
  quarantined: QuarantinedRecord[];
  valid: number;
}

/** The ERP key of a record that failed its schema, when it has a readable one. */
function externalIdOf(item: unknown): string | null {
  if (typeof item !== "object" || item === null) return null;
  const id = (item as { externalId?: unknown }).externalId;
  return typeof id === "string" && id.length > 0 ? id : typeof id === "number" ? String(id) : null;
}

function check<T extends CanonicalRecord>(
  schema: z.ZodType<T>,
  where: { source: string; entity: EntityName; at: string },
  items: readonly unknown[],
): { valid: T[]; quarantined: QuarantinedRecord[] } {
  const valid: T[] = [];
  const quarantined: QuarantinedRecord[] = [];
  items.forEach((item, index) => {
    const parsed = schema.safeParse(item);
    const externalId = externalIdOf(item);
    const name = `${where.source} ${where.entity} ${externalId ?? `#${index} of the page`}`;
    let error: ValidationError | null = null;
    if (!parsed.success) error = fromZodError(parsed.error, name);
    else if (parsed.data.source !== where.source) {
      const issue = { path: "source", message: `must be "${where.source}" (got "${parsed.data.source}")` };
      error = new ValidationError(`${name}: ${issue.path}: ${issue.message}`, [issue], { where: name });
    }
    if (error === null && parsed.success) valid.push(parsed.data);
    else if (error !== null) {
      const { source, entity, at } = where;
      quarantined.push({
        source,
        entity,
        externalId,
        issues: [...error.issues],
        error: error.message,
        raw: item,
        at,
      });
    }
  });
  return { valid, quarantined };
}

/**
 * Validation at the boundary: every record a connector yields is parsed with the core schema
 * before the store sees it. Bad records go to the quarantine, the rest of the page commits;
 * a mostly invalid page throws (a mapper bug must be loud).
 */
export function checkPage(
  where: { source: string; entity: EntityName; at: string },
  page: Page<unknown>,
): CheckedPage {
  const checked: CheckedPage = { quarantined: [], valid: 0 };
  let result: { valid: CanonicalRecord[]; quarantined: QuarantinedRecord[] };
  if (where.entity === "customers") {
    const customers = check(Customer, where, page.items);
    checked.customers = customers.valid;
    result = customers;
  } else if (where.entity === "invoices") {
    const invoices = check(Invoice, where, page.items);
    checked.invoices = invoices.valid;
    result = invoices;
  } else {
    const payments = check(Payment, where, page.items);
    checked.payments = payments.valid;
    result = payments;
  }
  checked.quarantined = result.quarantined;
  checked.valid = result.valid.length;
  const invalid = result.quarantined.length;
  if (invalid >= MIN_INVALID_TO_FAIL && invalid * 2 > page.items.length) {
    const first = result.quarantined[0]?.error ?? "";
    throw new ValidationError(
      `${where.source} ${where.entity}: ${invalid} of ${page.items.length} records of a page fail the core schema ` +
        `(a mapper bug?); first: ${first}`,
      result.quarantined[0]?.issues ?? [],
      { where: `${where.source} ${where.entity}` },
    );
  }
  return checked;
}
