import {
  ACTION_KINDS,
  ACTION_STATUSES,
  type ActionHistoryEntry,
  type ActionRow,
  type ActivityRow,
  type ActivityStatus,
  CollectionActivity,
  Customer,
  type EntityName,
  fromZodError,
  Invoice,
  PermanentError,
} from "@regua/core";
import type { Selectable } from "kysely";
import { z } from "zod";
import type { ActionsTable, ActivitiesTable } from "./schema.js";

/**
 * Row ↔ domain mapping. Everything read back from the database passes through here: JSON
 * columns are parsed with @regua/core's schemas (or the local ones below for shapes core only
 * declares as TypeScript interfaces), numbers are coerced from the driver's representation.
 */

/** Normalises any ISO-8601 instant to `toISOString()` form, so text comparison is time order. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function toInstant(value: string): string {
  if (CANONICAL_INSTANT.test(value)) return value; // the common case, already normalised
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new PermanentError(`not an ISO-8601 instant: "${value}"`);
  return new Date(ms).toISOString();
}

export function toInstantOrNull(value: string | null | undefined): string | null {
  return value == null ? null : toInstant(value);
}

export function addMs(instant: string, ms: number): string {
  return new Date(Date.parse(instant) + ms).toISOString();
}

/** Drivers return BIGINT / COUNT as number, string or bigint; minor units always fit 2^53. */
export function toNumber(value: unknown): number {
  const n = typeof value === "number" ? value : Number(value);
  if (!Number.isFinite(n)) {
    throw new PermanentError(`not a number from the database: ${String(value)}`);
  }
  return n;
}

export function parseJson<T>(schema: z.ZodType<T>, text: string, where: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PermanentError(`${where}: stored JSON does not parse`, { cause: error });
  }
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error, where);
  return result.data;
}

/**
 * Reads a canonical record; `raw` (the ERP payload column) is merged back when given. Snapshots
 * pass none: the planner never needs the payload, and not parsing it halves the work.
 */
function readRecord<T>(
  schema: z.ZodType<T>,
  record: string,
  raw: string | null | undefined,
  where: string,
): T {
  if (raw == null) return parseJson(schema, record, where);
  const withRaw = `${record.slice(0, -1)}${record.length > 2 ? "," : ""}"raw":${raw}}`;
  return parseJson(schema, withRaw, where);
}

export const readCustomer = (record: string, raw?: string | null): Customer =>
  readRecord(Customer, record, raw, "store customers.record");
export const readInvoice = (record: string, raw?: string | null): Invoice =>
  readRecord(Invoice, record, raw, "store invoices.record");
export const readActivity = (record: string): CollectionActivity =>
  parseJson(CollectionActivity, record, "store activities.record");

export const EntitySchema = z.enum(["customers", "invoices", "payments"]) satisfies z.ZodType<EntityName>;
export const ActionStatusSchema = z.enum(ACTION_STATUSES);
export const ActionKindSchema = z.enum(ACTION_KINDS);
export const UnknownResolutionSchema = z.enum(["status", "lookup", "resent", "held"]);
export const ActivityStatusSchema = z.enum([
  "pending",
  "claimed",
  "written",
  "dead",
]) satisfies z.ZodType<ActivityStatus>;
const TraceSchema = z.array(
  z.object({ rule: z.string(), outcome: z.enum(["fired", "skipped"]), reason: z.string() }),
);
const PayloadSchema = z.record(z.string(), z.unknown());
const StringList = z.array(z.string());

/** `traceJson` comes from `action_traces` (see traces.ts). */
export function readActionRow(row: Selectable<ActionsTable>, traceJson: string): ActionRow {
  const where = `store actions[${row.key}]`;
  return {
    key: row.key,
    source: row.source,
    customerRef: row.customer_ref,
    invoiceRefs: parseJson(StringList, row.invoice_refs, `${where}.invoice_refs`),
    stepId: row.step_id,
    kind: ActionKindSchema.parse(row.kind),
    channel: row.channel,
    template: row.template,
    dueAt: row.due_at,
    expiresAt: row.expires_at,
    payload: parseJson(PayloadSchema, row.payload, `${where}.payload`),
    trace: parseJson(TraceSchema, traceJson, `${where}.trace`),
    status: ActionStatusSchema.parse(row.status),
    attempts: toNumber(row.attempts),
    claimedBy: row.claimed_by,
    claimedUntil: row.claimed_until,
    providerMessageId: row.provider_message_id,
    statusReason: row.status_reason,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    reconciled: row.reconciled === null ? null : UnknownResolutionSchema.parse(row.reconciled),
  };
}

export type HistoryColumns = Pick<
  Selectable<ActionsTable>,
  "key" | "step_id" | "invoice_refs" | "status" | "due_at" | "sent_at" | "replied_at"
>;

export function readHistoryEntry(row: HistoryColumns): ActionHistoryEntry {
  return {
    key: row.key,
    stepId: row.step_id,
    invoiceRefs: parseJson(StringList, row.invoice_refs, `store actions[${row.key}].invoice_refs`),
    status: ActionStatusSchema.parse(row.status),
    dueAt: row.due_at,
    sentAt: row.sent_at,
    repliedAt: row.replied_at,
  };
}

export function readActivityRow(row: Selectable<ActivitiesTable>): ActivityRow {
  return {
    key: row.key,
    activity: readActivity(row.record),
    status: ActivityStatusSchema.parse(row.status),
    attempts: toNumber(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error,
    externalId: row.external_id,
    updatedAt: row.updated_at,
  };
}

export function readDetail(text: string): Record<string, unknown> {
  return parseJson(PayloadSchema, text, "store audit_log.detail");
}
