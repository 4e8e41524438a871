import { z } from "zod";

/**
 * Acme's payloads as they arrive over the wire: every byte from the ERP is parsed here before
 * the mapper sees it. Keep these close to the vendor's documentation (field names, nullability,
 * decimals as strings) and link the doc page.
 */
const Stamp = z.iso.datetime({ offset: true });
const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string such as 123.45");

export const AcmeCustomer = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  tax_id: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  updated_at: Stamp,
});
export type AcmeCustomer = z.infer<typeof AcmeCustomer>;

export const AcmeInvoice = z.object({
  id: z.string().min(1),
  number: z.string().min(1),
  customer_id: z.string().min(1),
  issued_on: z.iso.date(),
  due_on: z.iso.date(),
  total: Decimal,
  balance: Decimal,
  currency: z.string().length(3).nullable(),
  status: z.enum(["open", "paid", "cancelled"]),
  barcode: z.string().nullable(),
  updated_at: Stamp,
});
export type AcmeInvoice = z.infer<typeof AcmeInvoice>;

export const AcmePayment = z.object({
  id: z.string().min(1),
  customer_id: z.string().min(1),
  invoice_id: z.string().nullable(),
  paid_on: z.iso.date(),
  amount: Decimal,
  currency: z.string().length(3).nullable(),
  updated_at: Stamp,
});
export type AcmePayment = z.infer<typeof AcmePayment>;

/** Every listing: `{ data: [...], next_cursor: "…" | null }`. */
export const AcmePage = z.object({ data: z.array(z.unknown()), next_cursor: z.string().nullable() });

/** Acme's error body: `{ error: { code, message } }`. */
export const AcmeError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** POST /api/activities answers the activity's id (201 created, 200 when the key was seen). */
export const AcmeActivityAnswer = z.object({ id: z.string().min(1) });
