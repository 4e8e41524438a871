import type { Term } from "./schemas.js";

/**
 * A due date from a sales term when the invoice has no DueDate (Term reference):
 * - STANDARD: `DueDays` after the transaction date;
 * - DATE_DRIVEN: due on `DayOfMonthDue` of the month; an invoice dated `DueNextMonthDays` days
 *   or less before that day (or after it) is due on that day of the next month. A day past the
 *   month's end (31 in April) is the month's last day.
 * Returns null when the term says neither.
 */
export function dueDateFromTerm(txnDate: string, term: Term): string | null {
  const [year, month, day] = txnDate.split("-").map(Number) as [number, number, number];
  if (typeof term.DueDays === "number") {
    return new Date(Date.UTC(year, month - 1, day + term.DueDays)).toISOString().slice(0, 10);
  }
  const dueDay = term.DayOfMonthDue;
  if (typeof dueDay !== "number" || dueDay < 1) return null;
  const cutoff = term.DueNextMonthDays ?? 0;
  const thisMonth = dayOfMonth(year, month, dueDay);
  const daysBefore = Math.round(
    (Date.parse(`${thisMonth}T00:00:00Z`) - Date.UTC(year, month - 1, day)) / 86_400_000,
  );
  if (daysBefore > cutoff) return thisMonth;
  return month === 12 ? dayOfMonth(year + 1, 1, dueDay) : dayOfMonth(year, month + 1, dueDay);
}

/** `day` of the month, or the month's last day when it has fewer days. */
function dayOfMonth(year: number, month: number, day: number): string {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return new Date(Date.UTC(year, month - 1, Math.min(day, last))).toISOString().slice(0, 10);
}
