import { CurrencyCode } from "@regua/core";
import { z } from "zod";
import { CronLine } from "../cron-line.js";

/** A per-message price as a decimal in currency units, up to 6 places ("0.0400"): rate cards go below a cent. */
const UnitPrice = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,6})?$/, 'must be a decimal like "0.0400" (up to 6 places)');
const Address = z.string().regex(/^[^@\s]+@[^@\s]+$/, "must be an e-mail address");

/**
 * `reports:` in regua.yaml (docs/reports.md): when figures are e-mailed, to whom, and what a
 * message costs. Delivery uses `notify.email`'s SMTP relay.
 */
export const ReportsConfig = z.strictObject({
  /**
   * What one billable message costs, by the provider's pricing category (Meta bills per
   * delivered template message by category and market; copy your rate card here). A category not
   * listed costs nothing (service replies inside the customer-service window are free).
   */
  prices: z.strictObject({ currency: CurrencyCode, perMessage: z.record(z.string(), UnitPrice) }).optional(),
  /** DSO's window: open receivables ÷ invoiced in the last `dsoDays` days × `dsoDays`. */
  dsoDays: z.number().int().min(7).max(365).default(90),
  /** Days of messages the recovery curves follow (ending when the report's period ends). */
  curveDays: z.number().int().min(1).max(90).default(14),
  schedules: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "must be lower-case letters, digits, - or _"),
        /** When it is sent (UTC), e.g. "0 7 * * *" daily at 07:00, "0 7 * * 1" on Mondays. */
        cron: CronLine,
        /** The period it covers: the day or the 7 days before the day it is sent (UTC days). */
        period: z.enum(["day", "week"]),
        to: z.array(Address).min(1, "needs at least one recipient"),
      }),
    )
    .default([]),
});

export type ReportsConfig = z.output<typeof ReportsConfig>;
export type ReportSchedule = ReportsConfig["schedules"][number];
