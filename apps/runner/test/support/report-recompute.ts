import BetterSqlite3 from "better-sqlite3";

/**
 * The report's figures recomputed in plain JavaScript from the raw tables of the demo's SQLite
 * file: a second path (no Kysely, no store code) the report is checked against.
 */
interface RawAction {
  key: string;
  source: string;
  customer_ref: string;
  invoice_refs: string;
  step_id: string;
  kind: string;
  channel: string | null;
  status: string;
  sent_at: string | null;
  replied_at: string | null;
}

const CONTACTED = new Set(["sent", "delivered", "read"]);

export interface Expected {
  steps: Map<
    string,
    { sent: number; replied: number; optedOut: number; billable: number; costMinor: number }
  >;
  recovered: Map<string, { invoices: number; amountMinor: number }>;
  aging: Map<string, { invoices: number; openMinor: number }>;
  open: Map<string, number>;
  dso: Map<string, number>;
}

const DAY = 86_400_000;
const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / DAY);

export function recompute(
  dbFile: string,
  period: { from: string; to: string },
  prices: Record<string, number>,
  dsoDays: number,
): Expected {
  const db = new BetterSqlite3(dbFile, { readonly: true });
  try {
    const actions = db.prepare("select * from actions").all() as RawAction[];
    const costs = db.prepare("select action_key, billable, category from message_costs").all() as {
      action_key: string;
      billable: number;
      category: string;
    }[];
    const optOuts = db.prepare("select * from opt_outs").all() as {
      phone: string | null;
      source: string | null;
      customer_ref: string | null;
      at: string;
    }[];
    const phones = db.prepare("select * from customer_phones").all() as {
      phone: string;
      source: string;
      customer_ref: string;
    }[];
    const allocations = db.prepare("select * from payment_allocations").all() as {
      source: string;
      invoice_ref: string;
      paid_on: string;
      amount_minor: number;
    }[];
    const invoices = (
      db.prepare("select source, external_id, status, record from invoices").all() as {
        source: string;
        external_id: string;
        status: string;
        record: string;
      }[]
    ).map((r) => ({
      ...r,
      rec: JSON.parse(r.record) as {
        issueDate: string;
        dueDate: string;
        total: { amountMinor: number; currency: string };
        openAmount: { amountMinor: number; currency: string };
      },
    }));

    const steps: Expected["steps"] = new Map();
    for (const a of actions) {
      if (!["message", "lifecycle"].includes(a.kind) || !CONTACTED.has(a.status) || !a.sent_at) continue;
      if (a.sent_at < period.from || a.sent_at >= period.to) continue;
      const key = `${a.source}|${a.step_id}|${a.channel ?? ""}`;
      const e = steps.get(key) ?? { sent: 0, replied: 0, optedOut: 0, billable: 0, costMinor: 0 };
      e.sent += 1;
      if (a.replied_at && a.replied_at < period.to) e.replied += 1;
      const numbers = phones
        .filter((p) => p.source === a.source && p.customer_ref === a.customer_ref)
        .map((p) => p.phone);
      const sentAt = a.sent_at;
      if (
        optOuts.some(
          (o) =>
            o.at >= sentAt &&
            o.at < period.to &&
            ((o.source === a.source && o.customer_ref === a.customer_ref) ||
              (o.phone !== null && numbers.includes(o.phone))),
        )
      )
        e.optedOut += 1;
      for (const c of costs.filter((c) => c.action_key === a.key && c.billable === 1)) {
        e.billable += 1;
        e.costMinor += prices[c.category] ?? 0;
      }
      steps.set(key, e);
    }

    const recovered: Expected["recovered"] = new Map();
    const counted = new Map<string, Set<string>>();
    for (const p of allocations) {
      if (p.paid_on < period.from.slice(0, 10) || p.paid_on >= period.to.slice(0, 10)) continue;
      const touches = actions
        .filter(
          (a) =>
            a.source === p.source && a.kind === "message" && CONTACTED.has(a.status) && a.sent_at !== null,
        )
        .filter(
          (a) =>
            (a.sent_at ?? "").slice(0, 10) <= p.paid_on &&
            (JSON.parse(a.invoice_refs) as string[]).includes(p.invoice_ref),
        )
        .sort((x, y) => (x.sent_at ?? "").localeCompare(y.sent_at ?? "") || x.key.localeCompare(y.key));
      const last = touches.at(-1);
      const invoice = invoices.find((i) => i.source === p.source && i.external_id === p.invoice_ref);
      if (!last || !invoice) continue;
      const key = `${p.source}|${last.step_id}|${invoice.rec.total.currency}`;
      const e = recovered.get(key) ?? { invoices: 0, amountMinor: 0 };
      const seen = counted.get(key) ?? new Set();
      if (!seen.has(p.invoice_ref)) e.invoices += 1;
      seen.add(p.invoice_ref);
      counted.set(key, seen);
      e.amountMinor += p.amount_minor;
      recovered.set(key, e);
    }

    // Receivables at the end of the period's last day: today's open amount plus what the ERP
    // says was paid after that day (the fake's book has payments dated later).
    const day = new Date(Date.parse(period.to) - DAY).toISOString().slice(0, 10);
    const aging: Expected["aging"] = new Map();
    const open = new Map<string, number>();
    const invoiced = new Map<string, number>();
    for (const i of invoices) {
      const currency = i.rec.total.currency;
      if (!["open", "partially_paid", "disputed", "paid"].includes(i.status)) continue;
      const age = days(`${i.rec.issueDate}T00:00:00Z`, `${day}T00:00:00Z`);
      if (age >= 0 && age < dsoDays)
        invoiced.set(currency, (invoiced.get(currency) ?? 0) + i.rec.total.amountMinor);
      if (age < 0) continue; // not issued yet at the end of that day
      const paidLater = allocations
        .filter((p) => p.source === i.source && p.invoice_ref === i.external_id && p.paid_on > day)
        .reduce((n, p) => n + p.amount_minor, 0);
      const amount = Math.min(
        i.rec.total.amountMinor,
        (i.status === "paid" ? 0 : i.rec.openAmount.amountMinor) + paidLater,
      );
      if (amount <= 0) continue;
      const late = days(`${i.rec.dueDate}T00:00:00Z`, `${day}T00:00:00Z`);
      const bucket =
        late <= 0 ? "current" : late <= 30 ? "1-30" : late <= 60 ? "31-60" : late <= 90 ? "61-90" : "90+";
      const e = aging.get(`${bucket}|${currency}`) ?? { invoices: 0, openMinor: 0 };
      e.invoices += 1;
      e.openMinor += amount;
      aging.set(`${bucket}|${currency}`, e);
      open.set(currency, (open.get(currency) ?? 0) + amount);
    }
    const dso = new Map(
      [...open].map(([c, o]) => [c, Math.round((o / (invoiced.get(c) ?? 1)) * dsoDays * 10) / 10]),
    );
    return { steps, recovered, aging, open, dso };
  } finally {
    db.close();
  }
}

/** RFC 4180: quoted fields, doubled quotes, CRLF rows. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === ",") {
      row.push(field);
      field = "";
    } else if (!quoted && c === "\n") {
      row.push(field.replace(/\r$/, ""));
      rows.push(row);
      row = [];
      field = "";
    } else {
      field += c;
    }
  }
  if (field !== "" || row.length > 0) rows.push([...row, field]);
  return rows;
}

/** CSV rows as records keyed by the header line. */
export function csvRecords(text: string): Record<string, string>[] {
  const [headers = [], ...rows] = parseCsv(text);
  return rows.map((r) => Object.fromEntries(headers.map((h, i) => [h, r[i] ?? ""])));
}
