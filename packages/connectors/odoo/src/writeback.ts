import { createHash } from "node:crypto";
import { type CollectionActivity, ConfigError } from "@regua/core";
import type { OdooClient } from "./client.js";
import { activityText } from "./map.js";
import type { OdooOptions } from "./options.js";
import { IdList, RecordId } from "./schemas.js";

/** "regua:<hash of the key>": written into the note or activity, searched before writing again. */
export function activityMarker(key: string): string {
  return `regua:${createHash("sha256").update(key).digest("base64url").slice(0, 22)}`;
}

interface Target {
  model: "account.move" | "res.partner";
  id: number;
}

/**
 * Contacts written where Odoo's accountants look: on each invoice the contact was about (the
 * customer's partner record when there is none), as a chatter note (mail.thread.message_post,
 * subtype mail.mt_note) or as a scheduled mail.activity. Idempotent: the marker is looked up in
 * the record's messages (and activities) first, so a retry after a lost answer finds the first
 * write; the writes themselves are not retried by the HTTP client. Activities are created with
 * mail.activity.create, not activity_schedule: that returns a recordset, which the 16–18
 * XML-RPC marshaller cannot send (a fault after the commit); create answers the id everywhere.
 */
export class ActivityWriter {
  private readonly modelIds = new Map<string, Promise<number>>();
  private activityType: Promise<number> | null = null;

  constructor(
    private readonly client: OdooClient,
    private readonly options: OdooOptions,
  ) {}

  async write(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }> {
    const marker = activityMarker(activity.key);
    const text = activityText(activity, marker);
    let first: string | null = null;
    let created = false;
    for (const target of targetsOf(activity)) {
      let written = await this.find(target, marker);
      if (written === null) {
        written = await this.create(target, activity, text);
        created = true;
      }
      first ??= written;
    }
    return { externalId: first ?? "", created };
  }

  private async find(target: Target, marker: string): Promise<string | null> {
    // Done activities leave a message in the chatter: the messages are searched in both modes.
    const message = await this.search("mail.message", [
      ["model", "=", target.model],
      ["res_id", "=", target.id],
      ["body", "ilike", marker],
    ]);
    if (message !== null) return `mail.message/${message}`;
    if (this.options.writeBack.mode !== "activity") return null;
    const open = await this.search("mail.activity", [
      ["res_model", "=", target.model],
      ["res_id", "=", target.id],
      ["note", "ilike", marker],
    ]);
    return open === null ? null : `mail.activity/${open}`;
  }

  private async search(model: string, domain: unknown[]): Promise<number | null> {
    const rows = IdList.parse(
      await this.client.call({
        model,
        method: "search_read",
        kwargs: { domain, fields: ["id"], limit: 1 },
        readOnly: true,
      }),
    );
    return rows[0]?.id ?? null;
  }

  private async create(target: Target, activity: CollectionActivity, text: string): Promise<string> {
    if (this.options.writeBack.mode === "note") {
      // message_post returns the message id (api.returns) over XML-RPC and [id] over JSON-2.
      const answer = await this.client.call({
        model: target.model,
        method: "message_post",
        ids: [target.id],
        kwargs: { body: text, message_type: "comment", subtype_xmlid: "mail.mt_note" },
        readOnly: false,
      });
      return `mail.message/${RecordId.parse(answer)}`;
    }
    const { userId, deadlineDays } = this.options.writeBack;
    const deadline = new Date(Date.parse(activity.occurredAt) + deadlineDays * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const vals = {
      res_model_id: await this.modelId(target.model),
      res_id: target.id,
      activity_type_id: await this.typeId(),
      summary: activity.subject.slice(0, 200),
      note: text,
      date_deadline: deadline,
      ...(userId ? { user_id: userId } : {}),
    };
    const answer = await this.client.call({
      model: "mail.activity",
      method: "create",
      kwargs: { vals_list: [vals] },
      readOnly: false,
    });
    return `mail.activity/${RecordId.parse(answer)}`;
  }

  /** ir.model id of the target model, resolved once per instance. */
  private modelId(model: string): Promise<number> {
    let id = this.modelIds.get(model);
    if (!id) {
      id = this.search("ir.model", [["model", "=", model]]).then((found) => {
        if (found === null)
          throw new ConfigError(`odoo: ir.model has no ${model} (is the accounting app installed?)`);
        return found;
      });
      id.catch(() => this.modelIds.delete(model));
      this.modelIds.set(model, id);
    }
    return id;
  }

  /** The configured activity type, or the database's first "default" (To-Do) type. */
  private typeId(): Promise<number> {
    const configured = this.options.writeBack.activityTypeId;
    if (configured) return Promise.resolve(configured);
    this.activityType ??= this.search("mail.activity.type", [["category", "=", "default"]]).then((found) => {
      if (found === null)
        throw new ConfigError(
          "odoo: no mail.activity.type of category default; set writeBack.activityTypeId",
        );
      return found;
    });
    return this.activityType;
  }
}

function targetsOf(activity: CollectionActivity): Target[] {
  const invoices = [...new Set(activity.invoiceRefs)].filter((ref) => /^\d+$/.test(ref)).map(Number);
  if (invoices.length) return invoices.map((id) => ({ model: "account.move", id }));
  return /^\d+$/.test(activity.customerRef)
    ? [{ model: "res.partner", id: Number(activity.customerRef) }]
    : [];
}
