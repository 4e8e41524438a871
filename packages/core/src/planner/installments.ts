import type { SnapshotInvoice } from "../actions.js";
import type { Installment } from "../model.js";

/**
 * What the planner duns for one invoice. Without installments: the invoice itself. With them
 * (one invoice, several due dates: "parcelas"), each open installment on its own, as the
 * invoice with that installment's due date and amounts: its steps run from its own due date,
 * and the action key (invoice + step + due date) tells the installments apart. Paid or
 * cancelled installments are left out; so is an installment with nothing open.
 */
export function dunningUnits<T extends SnapshotInvoice>(invoice: T): T[] {
  const installments = invoice.installments;
  if (installments === undefined || installments.length === 0) return [invoice];
  return installments
    .filter((i) => (i.status === "open" || i.status === "partially_paid") && i.openAmount.amountMinor > 0)
    .map((installment) => asUnit(invoice, installment));
}

function asUnit<T extends SnapshotInvoice>(invoice: T, installment: Installment): T {
  const count = invoice.installments?.length ?? 1;
  return {
    ...invoice,
    number: `${invoice.number} (${installment.number}/${count})`,
    dueDate: installment.dueDate,
    total: installment.amount,
    openAmount: installment.openAmount,
    status: installment.status,
    installments: [installment],
  };
}

/**
 * The installment an action was planned for (by its due date), as the dispatcher re-reads it:
 * paid or cancelled since the plan shows in its own status. The invoice itself when it has no
 * installment with that due date.
 */
export function installmentDueOn<T extends SnapshotInvoice>(invoice: T, dueDate: unknown): T {
  const installment = invoice.installments?.find((i) => i.dueDate === dueDate);
  return installment ? asUnit(invoice, installment) : invoice;
}
