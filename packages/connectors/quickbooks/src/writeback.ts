import { createHash } from "node:crypto";
import { type CollectionActivity, isReguaError, type Logger, PermanentError } from "@regua/core";
import { intuitCode, type QuickBooksClient, SYSTEM } from "./client.js";
import type { QuickBooksOptions } from "./options.js";
import { statement } from "./query.js";
import { Attachable, Invoice } from "./schemas.js";

/** Attachable.Note holds at most 2000 characters, Invoice.PrivateNote 4000 (API reference). */
const NOTE_MAX = 2000;
const PRIVATE_NOTE_MAX = 4000;
/** Items per /batch request (Batch reference: at most 30). */
const BATCH_MAX = 30;

/** The activity's mark in QuickBooks (the Attachable's Tag, a line of PrivateNote) and its requestid. */
export function activityMark(key: string): string {
  return `regua-${createHash("sha256").update(key).digest("hex").slice(0, 32)}`;
}

export function noteText(activity: CollectionActivity, mark: string): string {
  const head = `[régua ${mark}] ${activity.occurredAt.slice(0, 16).replace("T", " ")} ${activity.subject}`;
  const text = activity.details ? `${head}\n${activity.details}` : head;
  return text.length > NOTE_MAX ? `${text.slice(0, NOTE_MAX - 1)}…` : text;
}

/**
 * Each contact as a note a QuickBooks user sees on the invoice: an Attachable note linked to its
 * invoices (or to the customer), or a line appended to each invoice's PrivateNote with a sparse
 * update. Idempotent twice over: the mark is looked up before writing (an Attachable by Tag, a
 * PrivateNote by its text), and every write carries a `requestid` from the activity key, which
 * QuickBooks answers once and replays, so a retried write after a lost answer is applied once.
 */
export class ActivityWriter {
  constructor(
    private readonly client: QuickBooksClient,
    private readonly options: QuickBooksOptions,
    private readonly log: Logger,
  ) {}

  async write(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }> {
    const mark = activityMark(activity.key);
    if (this.options.writeBack.mode === "privateNote" && activity.invoiceRefs.length > 0) {
      return this.privateNotes(activity, mark);
    }
    return this.attachable(activity, mark);
  }

  // POST /attachable (Attachable reference, "Create a note attachment"), found again by Tag.
  private async attachable(activity: CollectionActivity, mark: string) {
    const query = statement({
      entity: "Attachable",
      where: [{ field: "Tag", op: "=", value: mark }],
      maxResults: 1,
    });
    const [existing] = await this.client.query("Attachable", query);
    const found = Attachable.safeParse(existing);
    if (found.success) return { externalId: found.data.Id, created: false };
    const refs = activity.invoiceRefs.length
      ? activity.invoiceRefs.map((id) => ({ type: "Invoice", value: id }))
      : [{ type: "Customer", value: activity.customerRef }];
    const created = await this.client.write(
      "Attachable",
      {
        Note: noteText(activity, mark),
        Tag: mark,
        AttachableRef: refs.map((EntityRef) => ({ EntityRef, IncludeOnSend: false })),
      },
      mark,
    );
    const parsed = Attachable.safeParse(created);
    if (!parsed.success)
      throw new PermanentError("QuickBooks created the note without an Id", { provider: { system: SYSTEM } });
    this.log.info(
      { event: "quickbooks.note_written", attachable: parsed.data.Id, invoices: activity.invoiceRefs },
      "note attached",
    );
    return { externalId: parsed.data.Id, created: true };
  }

  /** Reads the invoices and appends the line where it is missing: /batch, 30 items a request. */
  private async privateNotes(activity: CollectionActivity, mark: string) {
    let created = false;
    for (let i = 0; i < activity.invoiceRefs.length; i += BATCH_MAX) {
      const ids = activity.invoiceRefs.slice(i, i + BATCH_MAX);
      const stale: string[] = [];
      const updates = (await this.readInvoices(ids)).filter((inv) => !(inv.PrivateNote ?? "").includes(mark));
      if (updates.length === 0) continue;
      const answers = await this.batch(
        updates.map((inv) => ({
          bId: inv.Id,
          operation: "update",
          Invoice: this.appended(inv, activity, mark),
        })),
        `${mark}-${i}`,
      );
      for (const answer of answers) {
        const code = answer.Fault?.Error?.[0]?.code;
        if (code === undefined) created = true;
        else if (String(code) === "5010") stale.push(String(answer.bId));
        else
          throw new PermanentError(
            `QuickBooks refused the note on invoice ${String(answer.bId)}: ${answer.Fault?.Error?.[0]?.Message ?? code}`,
            { provider: { system: SYSTEM, code: String(code) } },
          );
      }
      for (const id of stale) created = (await this.retryStale(id, activity, mark)) || created;
    }
    return { externalId: mark, created };
  }

  /** 5010: someone saved the invoice meanwhile; read it again and append once more. */
  private async retryStale(id: string, activity: CollectionActivity, mark: string): Promise<boolean> {
    const fresh = Invoice.safeParse(await this.client.read("Invoice", id));
    if (!fresh.success || (fresh.data.PrivateNote ?? "").includes(mark)) return false;
    try {
      await this.client.write(
        "Invoice",
        this.appended(fresh.data, activity, mark),
        activityMark(`${mark}-${id}-${fresh.data.SyncToken ?? ""}`),
      );
      return true;
    } catch (error) {
      if (intuitCode(error) === "5010")
        this.log.warn(
          { event: "quickbooks.stale_twice", invoice: id },
          "invoice changed twice while writing the note",
        );
      throw error;
    }
  }

  private appended(inv: Invoice, activity: CollectionActivity, mark: string) {
    const line = noteText(activity, mark).split("\n")[0] as string;
    const before = inv.PrivateNote ? `${inv.PrivateNote}\n` : "";
    // Keep the newest lines when the memo is full.
    const text = `${before}${line}`.slice(-PRIVATE_NOTE_MAX);
    return { Id: inv.Id, SyncToken: inv.SyncToken, sparse: true, PrivateNote: text };
  }

  private async readInvoices(ids: string[]): Promise<Invoice[]> {
    const answers = await this.batch(
      ids.map((id) => ({
        bId: id,
        Query: statement({ entity: "Invoice", where: [{ field: "Id", op: "=", value: id }] }),
      })),
      null,
    );
    return answers.flatMap((answer) => {
      const rows = (answer.QueryResponse as { Invoice?: unknown[] } | undefined)?.Invoice ?? [];
      return rows.flatMap((row) => {
        const parsed = Invoice.safeParse(row);
        return parsed.success ? [parsed.data] : [];
      });
    });
  }

  // POST /batch (Batch reference): `{"BatchItemRequest":[…]}` → `{"BatchItemResponse":[…]}`.
  private async batch(items: Record<string, unknown>[], requestId: string | null): Promise<BatchAnswer[]> {
    try {
      const response = await this.client.request({
        method: "POST",
        url: "batch",
        params: requestId ? { requestid: requestId } : {},
        data: { BatchItemRequest: items },
        headers: { "Content-Type": "application/json" },
        idempotent: true,
      });
      const answers = (response.data as { BatchItemResponse?: BatchAnswer[] } | null)?.BatchItemResponse;
      return Array.isArray(answers) ? answers : [];
    } catch (error) {
      if (isReguaError(error)) throw error;
      throw new PermanentError(`QuickBooks batch failed: ${String(error)}`, { provider: { system: SYSTEM } });
    }
  }
}

interface BatchAnswer {
  bId?: string;
  QueryResponse?: unknown;
  Fault?: { Error?: { code?: string | number; Message?: string }[] };
  [entity: string]: unknown;
}
