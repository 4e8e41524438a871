import { z } from "zod";

/**
 * Odoo's payloads as search_read returns them over XML-RPC and JSON-2 (same shapes): many2one as
 * `[id, display_name]` or `false`, every empty field `false` (never null), Date "YYYY-MM-DD",
 * Datetime "YYYY-MM-DD HH:MM:SS" in UTC, monetary fields as numbers. The transforms below turn
 * `false` into null and pairs into `{ id, name }`, so no Odoo convention reaches the mapper.
 * Field names: odoo/addons/account/models/account_move.py, account_move_line.py,
 * account_payment.py; odoo/addons/base/models/res_partner.py (16.0–19.0).
 */
export const Many2one = z
  .union([z.tuple([z.number().int(), z.string()]), z.literal(false)])
  .transform((value) => (value === false ? null : { id: value[0], name: value[1] }));
export type Many2one = z.output<typeof Many2one>;

/** A char/text field: `false` when empty. */
const Text = z.union([z.string(), z.literal(false)]).transform((value) => (value === false ? null : value));
const OdooDate = z
  .union([z.iso.date(), z.literal(false)])
  .transform((value) => (value === false ? null : value));
/** Datetime.to_string: "2026-03-15 14:05:00", UTC without a zone. */
export const OdooDatetime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, 'must be "YYYY-MM-DD HH:MM:SS"');
const Amount = z.number().finite();

export const Partner = z.object({
  id: z.number().int(),
  name: Text,
  vat: Text.optional(),
  phone: Text.optional(),
  /** Dropped from res.partner in Odoo 18: asked only when fields_get lists it. */
  mobile: Text.optional(),
  email: Text.optional(),
  lang: Text.optional(),
  country_code: Text.optional(),
  commercial_partner_id: Many2one.optional(),
  write_date: OdooDatetime,
});
export type Partner = z.output<typeof Partner>;

export const MoveType = z.enum([
  "entry",
  "out_invoice",
  "out_refund",
  "in_invoice",
  "in_refund",
  "out_receipt",
  "in_receipt",
]);
export const MoveState = z.enum(["draft", "posted", "cancel"]);
/** account.move payment_state (16.0–19.0; "blocked" since 18). */
export const PaymentState = z.enum([
  "not_paid",
  "partial",
  "in_payment",
  "paid",
  "reversed",
  "blocked",
  "invoicing_legacy",
]);
export type PaymentState = z.infer<typeof PaymentState>;

export const Move = z.object({
  id: z.number().int(),
  name: Text,
  move_type: MoveType,
  state: MoveState,
  payment_state: PaymentState,
  partner_id: Many2one,
  commercial_partner_id: Many2one,
  invoice_date: OdooDate,
  invoice_date_due: OdooDate,
  amount_total: Amount,
  amount_residual: Amount,
  amount_total_signed: Amount,
  amount_residual_signed: Amount,
  currency_id: Many2one,
  company_currency_id: Many2one,
  company_id: Many2one,
  write_date: OdooDatetime,
});
export type Move = z.output<typeof Move>;

/** A receivable line of an invoice (display_type "payment_term"): one per due date. */
export const TermLine = z.object({
  id: z.number().int(),
  move_id: Many2one,
  date_maturity: OdooDate,
  amount_currency: Amount,
  amount_residual_currency: Amount,
});
export type TermLine = z.output<typeof TermLine>;

export const AccountPayment = z.object({
  id: z.number().int(),
  name: Text,
  partner_id: Many2one,
  amount: Amount,
  currency_id: Many2one,
  date: z.iso.date(),
  state: z.string(),
  reconciled_invoice_ids: z.array(z.number().int()).default([]),
  write_date: OdooDatetime,
});
export type AccountPayment = z.output<typeof AccountPayment>;

/** /web/version (18.0+): { version_info: [19, 0, 0, "final", 0, ""], version: "19.0" }. */
export const WebVersion = z.object({
  version_info: z.tuple([z.union([z.number(), z.string()])]).rest(z.unknown()),
  version: z.string(),
});
/** common.version (odoo/service/common.py exp_version). */
export const CommonVersion = z.object({
  server_version: z.string(),
  server_version_info: z.tuple([z.union([z.number(), z.string()])]).rest(z.unknown()),
});

/** JSON-2's error object ("External JSON-2 API", Response); a bare string in some builds. */
export const Json2Error = z.union([
  z.object({ name: z.string(), message: z.string(), arguments: z.array(z.unknown()).optional() }),
  z.string(),
]);

export const IdList = z.array(z.object({ id: z.number().int() }).loose());
export const RecordId = z
  .union([z.number().int(), z.tuple([z.number().int()])])
  .transform((v) => (Array.isArray(v) ? v[0] : v));
