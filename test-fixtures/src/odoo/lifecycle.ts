import type { FakeOrm } from "./orm.js";
import { type Many2one, maxOf, type OdooRecord, type OdooTables, paymentOf } from "./records.js";

/** What happens to an invoice in Odoo, as the accounting app would do it (account_move.py). */
export interface Lifecycle {
  /**
   * Registers a payment (account.payment.register): the whole residual by default. A full payment
   * not yet matched with a bank statement line leaves payment_state "in_payment" (a partial one
   * "partial"); the receivable lines' residuals drop, oldest due date first.
   */
  registerPayment(moveId: number, options?: { amount?: number; date?: string }): OdooRecord;
  /** The bank statement line matched the payment: in_payment → paid. */
  reconcile(moveId: number): void;
  /** A credit note reverses the invoice in full (payment_state "reversed"); returns the out_refund. */
  reverse(moveId: number): OdooRecord;
  /** Button "Cancel": state "cancel". */
  cancel(moveId: number): void;
  /** payment_state "blocked" (Odoo 18: the invoice's payment is on hold). */
  block(moveId: number): void;
  /** Moves a record's write_date, as any edit would. */
  touch(model: keyof OdooTables, id: number): void;
  /** The chatter messages and the scheduled activities on an invoice. */
  messagesOn(moveId: number): OdooRecord[];
  activitiesOn(moveId: number): OdooRecord[];
  /** Makes the configured API key expired from now on. */
  expireApiKey(): void;
}

interface Context {
  tables: OdooTables;
  orm: FakeOrm;
  stamp: () => string;
  major: number;
}

const round2 = (value: number) => Math.round(value * 100) / 100;

export function addLifecycle(context: Context): Omit<Lifecycle, "expireApiKey"> {
  const { tables, orm, stamp, major } = context;
  const move = (id: number): OdooRecord => {
    const row = tables["account.move"].find((m) => m.id === id);
    if (!row) throw new Error(`fake Odoo: no account.move ${id}`);
    return row;
  };
  const termsOf = (id: number) =>
    tables["account.move.line"]
      .filter((l) => Array.isArray(l.move_id) && l.move_id[0] === id && l.display_type === "payment_term")
      .sort((a, b) => String(a.date_maturity).localeCompare(String(b.date_maturity)));
  const save = (row: OdooRecord, values: Record<string, OdooRecord[string]>) => {
    const at = stamp();
    Object.assign(row, values, { write_date: at });
    for (const line of termsOf(row.id)) line.write_date = at;
    orm.changed();
  };
  const rate = (row: OdooRecord) => Number(row.amount_total_signed) / Number(row.amount_total || 1);

  return {
    registerPayment(moveId, options = {}) {
      const row = move(moveId);
      const residual = Number(row.amount_residual);
      const amount = Math.min(options.amount ?? residual, residual);
      let left = amount;
      for (const line of termsOf(moveId)) {
        const open = Number(line.amount_residual_currency);
        const used = Math.min(open, left);
        left = round2(left - used);
        line.amount_residual_currency = round2(open - used);
        line.amount_residual = round2((open - used) * rate(row));
        line.reconciled = line.amount_residual_currency === 0;
      }
      const newResidual = round2(residual - amount);
      save(row, {
        amount_residual: newResidual,
        amount_residual_signed: round2(newResidual * rate(row)),
        payment_state: newResidual === 0 ? "in_payment" : "partial",
      });
      const id = maxOf(tables["account.payment"].map((p) => p.id)) + 1;
      const payment = paymentOf(row, amount, id, major);
      payment.state = major >= 18 ? "in_process" : "posted";
      if (options.date) payment.date = options.date;
      payment.write_date = String(row.write_date);
      tables["account.payment"].push(payment);
      return payment;
    },
    reconcile(moveId) {
      const row = move(moveId);
      save(row, {
        payment_state: Number(row.amount_residual) === 0 ? "paid" : (row.payment_state ?? "partial"),
      });
      for (const payment of tables["account.payment"]) {
        const invoices = payment.reconciled_invoice_ids;
        if (Array.isArray(invoices) && invoices.includes(moveId) && major >= 18) payment.state = "paid";
      }
    },
    reverse(moveId) {
      const row = move(moveId);
      const id = maxOf(tables["account.move"].map((m) => m.id)) + 1;
      const refund: OdooRecord = {
        ...row,
        id,
        name: `RINV/${String(row.invoice_date).slice(0, 4)}/${String(id).padStart(5, "0")}`,
        move_type: "out_refund",
        payment_state: "paid",
        amount_residual: 0,
        amount_residual_signed: 0,
        amount_total_signed: -Number(row.amount_total_signed),
        reversed_entry_id: [row.id, String(row.name)] as Many2one,
        write_date: stamp(),
      };
      tables["account.move"].push(refund);
      for (const line of termsOf(moveId)) {
        line.amount_residual_currency = 0;
        line.amount_residual = 0;
        line.reconciled = true;
      }
      save(row, { payment_state: "reversed", amount_residual: 0, amount_residual_signed: 0 });
      return refund;
    },
    cancel(moveId) {
      save(move(moveId), { state: "cancel" });
    },
    block(moveId) {
      save(move(moveId), { payment_state: "blocked" });
    },
    touch(model, id) {
      const row = tables[model].find((r) => r.id === id);
      if (!row) throw new Error(`fake Odoo: no ${model} ${id}`);
      if (model === "account.move") save(row, {});
      else {
        row.write_date = stamp();
        orm.changed();
      }
    },
    messagesOn: (moveId) =>
      tables["mail.message"].filter((m) => m.model === "account.move" && m.res_id === moveId),
    activitiesOn: (moveId) =>
      tables["mail.activity"].filter((a) => a.res_model === "account.move" && a.res_id === moveId),
  };
}
