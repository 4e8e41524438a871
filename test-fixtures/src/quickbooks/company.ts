import {
  ENTITY_NAMES,
  type EntityName,
  money,
  type QboAttachable,
  type QboCompany,
  type QboInvoice,
  type QboPayment,
  stamp,
  type Tombstone,
} from "./data.js";
import { FAULTS, type FaultError } from "./faults.js";
import { parseQuery, QueryError, runQuery } from "./query.js";
import type { EntityChange, WebhookOperation } from "./webhooks.js";

type Row = QboCompany[EntityName][number];

/** An answer of the v3 API: a body for 200, or a Fault (status and error). */
export type Outcome =
  | { ok: true; body: Record<string, unknown> }
  | { ok: false; status: number; fault: FaultError };

/** Fields a sparse update may not set: QuickBooks computes them or ignores them. */
const READ_ONLY = new Set([
  "Id",
  "SyncToken",
  "sparse",
  "domain",
  "MetaData",
  "TotalAmt",
  "Balance",
  "HomeBalance",
]);
/** The look-back CDC accepts (ChangeDataCapture reference: "Look-back time can be up to 30 days"). */
const CDC_LOOKBACK_MS = 30 * 86_400_000;
/** At most this many objects per entity in one CDC answer, and no paging. */
export const CDC_CAP = 1000;

/** One company's books and the behaviour of its entities under the v3 API. */
export class FakeCompany {
  readonly tombstones: Record<EntityName, Tombstone[]> = {
    Customer: [],
    Term: [],
    Invoice: [],
    Payment: [],
    CreditMemo: [],
    Attachable: [],
  };
  /** Changes since the last webhook was built, as Intuit would notify them. */
  pending: EntityChange[] = [];
  /** Ids another user saves just before the next write to them arrives (a SyncToken race). */
  readonly racing = new Set<string>();

  constructor(
    readonly data: QboCompany,
    readonly realmId: string,
    private readonly now: () => number,
  ) {}

  entityName(text: string): EntityName | undefined {
    return ENTITY_NAMES.find((name) => name.toLowerCase() === text.toLowerCase());
  }

  find(entity: EntityName, id: string): Row | undefined {
    return (this.data[entity] as Row[]).find((row) => row.Id === id);
  }

  read(entity: EntityName, id: string): Outcome {
    const row = this.find(entity, id);
    if (!row) return { ok: false, status: 400, fault: FAULTS.notFound(`${entity} ${id}`) };
    return { ok: true, body: { [entity]: row } };
  }

  /** GET /query: `{"QueryResponse":{"<Entity>":[…],"startPosition","maxResults"}}`; empty: `{}`. */
  query(text: string): Outcome {
    try {
      const query = parseQuery(text);
      const entity = this.entityName(query.entity);
      if (!entity) return { ok: false, status: 400, fault: FAULTS.query(`unknown entity ${query.entity}`) };
      const all = runQuery(this.data[entity] as Row[], query);
      if (query.count) return { ok: true, body: { QueryResponse: { totalCount: all.length } } };
      const slice = all.slice(query.startPosition - 1, query.startPosition - 1 + query.maxResults);
      if (slice.length === 0) return { ok: true, body: { QueryResponse: {} } };
      const answer = { [entity]: slice, startPosition: query.startPosition, maxResults: slice.length };
      return { ok: true, body: { QueryResponse: answer } };
    } catch (error) {
      if (error instanceof QueryError) return { ok: false, status: 400, fault: FAULTS.query(error.message) };
      throw error;
    }
  }

  /** GET /cdc: changed objects per entity, oldest change first, deleted ones after; capped, no paging. */
  cdc(entities: string, changedSince: string): Outcome {
    const since = Date.parse(changedSince);
    if (Number.isNaN(since))
      return {
        ok: false,
        status: 400,
        fault: FAULTS.invalid(`changedSince "${changedSince}" is not a date`, "changedSince"),
      };
    if (since < this.now() - CDC_LOOKBACK_MS) {
      return {
        ok: false,
        status: 400,
        fault: FAULTS.invalid("changedSince must be within the last 30 days", "changedSince"),
      };
    }
    const groups: Record<string, unknown>[] = [];
    for (const name of entities.split(",")) {
      const entity = this.entityName(name.trim());
      if (!entity)
        return { ok: false, status: 400, fault: FAULTS.invalid(`unknown entity ${name}`, "entities") };
      const changed = (this.data[entity] as Row[])
        .filter((row) => Date.parse(row.MetaData.LastUpdatedTime) >= since)
        .sort((a, b) => Date.parse(a.MetaData.LastUpdatedTime) - Date.parse(b.MetaData.LastUpdatedTime));
      const deleted = this.tombstones[entity].filter((t) => Date.parse(t.MetaData.LastUpdatedTime) >= since);
      const objects = [...changed, ...deleted].slice(0, CDC_CAP);
      groups.push(objects.length ? { [entity]: objects, startPosition: 1, maxResults: objects.length } : {});
    }
    return { ok: true, body: { CDCResponse: [{ QueryResponse: groups }] } };
  }

  /** POST /<entity>: create, or update when the body has an Id (sparse or full). */
  write(entity: EntityName, body: Record<string, unknown>, operation: string | undefined): Outcome {
    if (operation === "delete") return this.remove(entity, body);
    if (operation === "void")
      return entity === "Invoice" ? this.voidById(body) : this.unsupported(entity, operation);
    if (typeof body.Id === "string" && body.Id !== "") return this.update(entity, body);
    if (entity === "Attachable") return this.createAttachable(body);
    return this.unsupported(entity, "create");
  }

  private unsupported(entity: EntityName, what: string): Outcome {
    return { ok: false, status: 400, fault: FAULTS.invalid(`the fake does not ${what} ${entity}`) };
  }

  private checked(entity: EntityName, body: Record<string, unknown>): Row | Outcome {
    const row = this.find(entity, String(body.Id));
    if (!row) return { ok: false, status: 400, fault: FAULTS.notFound(`${entity} ${String(body.Id)}`) };
    if (this.racing.delete(row.Id)) this.touch(entity, row, "Update");
    if (String(body.SyncToken) !== row.SyncToken) return { ok: false, status: 400, fault: FAULTS.stale() };
    return row;
  }

  private update(entity: EntityName, body: Record<string, unknown>): Outcome {
    const row = this.checked(entity, body);
    if ("ok" in row) return row;
    for (const [key, value] of Object.entries(body))
      if (!READ_ONLY.has(key)) Object.assign(row, { [key]: value });
    this.touch(entity, row, "Update");
    return { ok: true, body: { [entity]: row } };
  }

  private remove(entity: EntityName, body: Record<string, unknown>): Outcome {
    const row = this.checked(entity, body);
    if ("ok" in row) return row;
    this.delete(entity, row.Id);
    return { ok: true, body: { [entity]: { status: "Deleted", domain: "QBO", Id: row.Id } } };
  }

  private voidById(body: Record<string, unknown>): Outcome {
    const row = this.checked("Invoice", body);
    if ("ok" in row) return row;
    return { ok: true, body: { Invoice: this.void(row.Id) } };
  }

  private createAttachable(body: Record<string, unknown>): Outcome {
    const refs = body.AttachableRef;
    if (typeof body.Note !== "string" && typeof body.FileName !== "string") {
      return { ok: false, status: 400, fault: FAULTS.invalid("Note or FileName is required", "Note") };
    }
    const iso = this.nextStamp();
    const attachable: QboAttachable = {
      Id: String(5_000_000_000_000_010_000 + this.data.Attachable.length),
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      MetaData: { CreateTime: iso, LastUpdatedTime: iso },
      ...(typeof body.Note === "string" ? { Note: body.Note } : {}),
      ...(typeof body.Tag === "string" ? { Tag: body.Tag } : {}),
      ...(typeof body.Category === "string" ? { Category: body.Category } : {}),
      AttachableRef: (Array.isArray(refs) ? refs : []).map(
        (r: { EntityRef?: { type?: string; value?: string }; IncludeOnSend?: unknown }) => ({
          IncludeOnSend: r.IncludeOnSend === true || r.IncludeOnSend === "true",
          EntityRef: { type: String(r.EntityRef?.type ?? ""), value: String(r.EntityRef?.value ?? "") },
        }),
      ),
    };
    this.data.Attachable.push(attachable);
    return { ok: true, body: { Attachable: attachable } };
  }

  /** LastUpdatedTime only moves forward: a second past the newest stamp at least. */
  nextStamp(): string {
    let newest = 0;
    for (const entity of ENTITY_NAMES) {
      for (const row of this.data[entity] as Row[])
        newest = Math.max(newest, Date.parse(row.MetaData.LastUpdatedTime));
      for (const t of this.tombstones[entity])
        newest = Math.max(newest, Date.parse(t.MetaData.LastUpdatedTime));
    }
    return stamp(Math.floor(Math.max(this.now(), newest + 1000) / 1000) * 1000);
  }

  touch(entity: EntityName, row: Row, operation: WebhookOperation): void {
    row.MetaData.LastUpdatedTime = this.nextStamp();
    row.SyncToken = String(Number(row.SyncToken) + 1);
    this.pending.push({
      realmId: this.realmId,
      name: entity,
      id: row.Id,
      operation,
      lastUpdated: row.MetaData.LastUpdatedTime,
    });
  }

  delete(entity: EntityName, id: string): void {
    const rows = this.data[entity] as Row[];
    const index = rows.findIndex((row) => row.Id === id);
    if (index < 0) throw new Error(`fake QuickBooks: no ${entity} ${id}`);
    rows.splice(index, 1);
    const at = this.nextStamp();
    this.tombstones[entity].push({
      status: "Deleted",
      domain: "QBO",
      Id: id,
      MetaData: { LastUpdatedTime: at },
    });
    this.pending.push({ realmId: this.realmId, name: entity, id, operation: "Delete", lastUpdated: at });
  }

  /** Void (Invoice → More → Void): every amount becomes 0 and the memo says "Voided". */
  void(id: string): QboInvoice {
    const invoice = this.invoice(id);
    invoice.TotalAmt = 0;
    invoice.HomeTotalAmt = 0;
    invoice.Balance = 0;
    invoice.HomeBalance = 0;
    for (const line of invoice.Line) line.Amount = 0;
    invoice.PrivateNote = invoice.PrivateNote ? `Voided - ${invoice.PrivateNote}` : "Voided";
    this.touch("Invoice", invoice, "Void");
    return invoice;
  }

  /** Receives a payment for the invoice (its whole balance by default). */
  pay(id: string, date: string, amount?: number): QboPayment {
    const invoice = this.invoice(id);
    const paid = money(Math.min(amount ?? invoice.Balance, invoice.Balance));
    const iso = this.nextStamp();
    const payment: QboPayment = {
      Id: String(Math.max(0, ...this.data.Payment.map((p) => Number(p.Id))) + 1),
      SyncToken: "0",
      domain: "QBO",
      sparse: false,
      MetaData: { CreateTime: iso, LastUpdatedTime: iso },
      TxnDate: date,
      CustomerRef: invoice.CustomerRef,
      CurrencyRef: invoice.CurrencyRef,
      ExchangeRate: invoice.ExchangeRate,
      TotalAmt: paid,
      UnappliedAmt: 0,
      ProcessPayment: false,
      Line: [{ Amount: paid, LinkedTxn: [{ TxnId: invoice.Id, TxnType: "Invoice" }] }],
    };
    this.data.Payment.push(payment);
    this.pending.push({
      realmId: this.realmId,
      name: "Payment",
      id: payment.Id,
      operation: "Create",
      lastUpdated: iso,
    });
    invoice.Balance = money(invoice.Balance - paid);
    invoice.HomeBalance = money(invoice.Balance * invoice.ExchangeRate);
    invoice.LinkedTxn.push({ TxnId: payment.Id, TxnType: "Payment" });
    this.touch("Invoice", invoice, "Update");
    return payment;
  }

  invoice(id: string): QboInvoice {
    const invoice = this.data.Invoice.find((i) => i.Id === id);
    if (!invoice) throw new Error(`fake QuickBooks: no invoice ${id}`);
    return invoice;
  }
}
