import { compileDomain, compileOrder, DomainError } from "./domain.js";
import { type ModelName, maxOf, type OdooRecord, type OdooTables, type OdooValue } from "./records.js";

/**
 * The exceptions Odoo raises, by the names odoo/exceptions.py gives them; the server turns them
 * into XML-RPC faults (odoo/addons/base/controllers/rpc.py xmlrpc_handle_exception_int) or JSON-2
 * error objects (addons/web/controllers/json2.py; "External JSON-2 API", Response).
 */
export type OdooExceptionName =
  | "odoo.exceptions.AccessDenied"
  | "odoo.exceptions.AccessError"
  | "odoo.exceptions.UserError"
  | "odoo.exceptions.ValidationError"
  | "odoo.exceptions.MissingError"
  | "builtins.ValueError"
  | "builtins.TypeError"
  | "werkzeug.exceptions.NotFound"
  | "werkzeug.exceptions.Unauthorized";

export class OdooException extends Error {
  constructor(
    readonly odooName: OdooExceptionName,
    message: string,
  ) {
    super(message);
  }
}

/** What a method call carries once the protocol is peeled off: ids, positional args, keyword args. */
export interface MethodCall {
  model: string;
  method: string;
  ids: number[];
  args: OdooValue[];
  kwargs: Record<string, OdooValue>;
}

const MODELS = new Set<string>([
  "res.partner",
  "account.move",
  "account.move.line",
  "account.payment",
  "mail.message",
  "mail.activity",
  "mail.activity.type",
  "ir.model",
  "ir.attachment",
  "res.users",
  "res.users.apikeys",
]);

/** Fields each model has beyond what its seeded rows hold (so an empty table still knows them). */
const EXTRA_FIELDS: Partial<Record<ModelName, string[]>> = {
  "mail.message": ["model", "res_id", "body", "message_type", "subtype_id", "date", "write_date"],
  "mail.activity": [
    "res_model_id",
    "res_model",
    "res_id",
    "activity_type_id",
    "summary",
    "note",
    "date_deadline",
    "user_id",
    "write_date",
  ],
  "ir.attachment": ["name", "res_model", "res_id", "mimetype", "datas", "type", "write_date"],
};

/** An in-memory ORM over the seeded tables, answering the public model methods régua calls. */
export class FakeOrm {
  private readonly fields = new Map<string, Set<string>>();
  private readonly sorted = new Map<string, OdooRecord[]>();
  private nextIds = new Map<string, number>();

  constructor(
    readonly tables: OdooTables,
    private readonly stamp: () => string,
  ) {
    for (const model of MODELS) {
      const names = new Set<string>(["id", ...(EXTRA_FIELDS[model as ModelName] ?? [])]);
      for (const row of tables[model as ModelName]) for (const key of Object.keys(row)) names.add(key);
      this.fields.set(model, names);
      const ids = tables[model as ModelName].map((r) => r.id);
      this.nextIds.set(model, maxOf(ids) + 1);
    }
  }

  /** Call after editing rows directly: cached orders are dropped. */
  changed(): void {
    this.sorted.clear();
  }

  table(model: string): OdooRecord[] {
    if (!MODELS.has(model))
      throw new OdooException("werkzeug.exceptions.NotFound", `the model '${model}' does not exist`);
    return this.tables[model as ModelName];
  }

  known(model: string): Set<string> {
    this.table(model);
    return this.fields.get(model) ?? new Set();
  }

  call(call: MethodCall): OdooValue {
    const { model, method, ids, args, kwargs } = call;
    const arg = (index: number, name: string): OdooValue | undefined => kwargs[name] ?? args[index];
    try {
      switch (method) {
        case "search_read":
          return this.searchRead(
            model,
            arg(0, "domain") ?? [],
            arg(1, "fields"),
            arg(2, "offset"),
            arg(3, "limit"),
            arg(4, "order"),
          );
        case "search":
          return this.search(
            model,
            arg(0, "domain") ?? [],
            arg(1, "offset"),
            arg(2, "limit"),
            arg(3, "order"),
          ).map((r) => r.id);
        case "search_count":
          return this.search(model, arg(0, "domain") ?? []).length;
        case "read":
          return this.read(model, ids, arg(0, "fields"));
        case "fields_get":
          return Object.fromEntries(
            [...this.known(model)].map((name) => [name, { type: "char", string: name }]),
          );
        case "create":
          return this.create(model, arg(0, "vals_list") ?? arg(0, "vals") ?? {});
        case "write":
          return this.write(model, ids, (arg(0, "vals") ?? {}) as Record<string, OdooValue>);
        case "message_post":
          return this.messagePost(model, ids, kwargs);
        case "activity_schedule":
          return this.activitySchedule(model, ids, kwargs);
        default:
          throw new OdooException(
            "builtins.ValueError",
            `The method '${method}' does not exist on the model '${model}'`,
          );
      }
    } catch (error) {
      if (error instanceof DomainError) throw new OdooException("builtins.ValueError", error.message);
      throw error;
    }
  }

  private ordered(model: string, order: OdooValue | undefined): OdooRecord[] {
    const key = `${model}|${String(order ?? "id")}`;
    let rows = this.sorted.get(key);
    if (!rows) {
      rows = [...this.table(model)].sort(compileOrder(order, this.known(model)));
      this.sorted.set(key, rows);
    }
    return rows;
  }

  search(
    model: string,
    domain: OdooValue,
    offset?: OdooValue,
    limit?: OdooValue,
    order?: OdooValue,
  ): OdooRecord[] {
    const matches = compileDomain(domain, model, this.known(model));
    const skip = typeof offset === "number" ? offset : 0;
    const take = typeof limit === "number" && limit > 0 ? limit : Number.POSITIVE_INFINITY;
    const out: OdooRecord[] = [];
    let seen = 0;
    for (const row of this.ordered(model, order)) {
      if (!matches(row)) continue;
      if (seen++ < skip) continue;
      out.push(row);
      if (out.length >= take) break;
    }
    return out;
  }

  private project(model: string, rows: OdooRecord[], fields: OdooValue | undefined): OdooRecord[] {
    const known = this.known(model);
    const wanted = Array.isArray(fields) && fields.length > 0 ? (fields as string[]) : [...known];
    for (const field of wanted) {
      // odoo/models.py _read_format / fields_get: an unknown field is a ValueError, not a UserError.
      if (!known.has(field))
        throw new OdooException("builtins.ValueError", `Invalid field '${field}' on model '${model}'`);
    }
    return rows.map((row) => {
      const out: OdooRecord = { id: row.id };
      for (const field of wanted) out[field] = row[field] ?? false;
      return out;
    });
  }

  private searchRead(
    model: string,
    domain: OdooValue,
    fields?: OdooValue,
    offset?: OdooValue,
    limit?: OdooValue,
    order?: OdooValue,
  ) {
    return this.project(model, this.search(model, domain, offset, limit, order), fields);
  }

  private byIds(model: string, ids: number[]): OdooRecord[] {
    const table = this.table(model);
    return ids.map((id) => {
      const row = table.find((r) => r.id === id);
      if (!row) {
        throw new OdooException(
          "odoo.exceptions.MissingError",
          `Record does not exist or has been deleted.\n(Record: ${model}(${id},), User: 2)`,
        );
      }
      return row;
    });
  }

  private read(model: string, ids: number[], fields?: OdooValue) {
    return this.project(model, this.byIds(model, ids), fields);
  }

  insert(model: string, values: Record<string, OdooValue>): OdooRecord {
    const known = this.known(model);
    for (const field of Object.keys(values)) {
      if (!known.has(field))
        throw new OdooException("builtins.ValueError", `Invalid field '${field}' on model '${model}'`);
    }
    const id = this.nextIds.get(model) ?? 1;
    this.nextIds.set(model, id + 1);
    const row: OdooRecord = { ...values, id, write_date: this.stamp() };
    this.table(model).push(row);
    this.changed();
    return row;
  }

  private create(model: string, vals: OdooValue): OdooValue {
    if (Array.isArray(vals)) return vals.map((v) => this.createOne(model, v as Record<string, OdooValue>));
    return this.createOne(model, vals as Record<string, OdooValue>);
  }

  private createOne(model: string, vals: Record<string, OdooValue>): number {
    if (model === "mail.activity") return this.createActivity(vals).id;
    if (model !== "mail.message") {
      throw new OdooException(
        "odoo.exceptions.AccessError",
        `You are not allowed to create '${model}' records.`,
      );
    }
    return this.insert(model, vals).id;
  }

  private createActivity(vals: Record<string, OdooValue>): OdooRecord {
    const modelId = vals.res_model_id;
    const model = this.tables["ir.model"].find((m) => m.id === modelId);
    if (!model)
      throw new OdooException("odoo.exceptions.ValidationError", "The 'Document Model' field is required.");
    if (typeof vals.res_id !== "number")
      throw new OdooException(
        "odoo.exceptions.ValidationError",
        "The 'Related Document ID' field is required.",
      );
    this.byIds(String(model.model), [vals.res_id]);
    const type = this.tables["mail.activity.type"].find((t) => t.id === vals.activity_type_id);
    return this.insert("mail.activity", {
      ...vals,
      res_model_id: [model.id, String(model.name)],
      res_model: String(model.model),
      activity_type_id: type ? [type.id, String(type.name)] : false,
      user_id: typeof vals.user_id === "number" ? [vals.user_id, "Régua Bot"] : [2, "Mitchell Admin"],
    });
  }

  private write(model: string, ids: number[], vals: Record<string, OdooValue>): boolean {
    for (const row of this.byIds(model, ids)) Object.assign(row, vals, { write_date: this.stamp() });
    this.changed();
    return true;
  }

  /** mail.thread.message_post: a note (subtype mail.mt_note) or a message in the record's chatter. */
  private messagePost(model: string, ids: number[], kwargs: Record<string, OdooValue>): number {
    if (ids.length !== 1)
      throw new OdooException("builtins.ValueError", `Expected singleton: ${model}(${ids.join(", ")})`);
    const [record] = this.byIds(model, ids);
    const body = typeof kwargs.body === "string" ? kwargs.body : "";
    const note = kwargs.subtype_xmlid === "mail.mt_note";
    return this.insert("mail.message", {
      model,
      res_id: record?.id ?? 0,
      // message_post escapes a plain str body (Markup is kept): what is stored is HTML.
      body: `<p>${escapeHtml(body).replace(/\n/g, "<br>")}</p>`,
      message_type: typeof kwargs.message_type === "string" ? kwargs.message_type : "notification",
      subtype_id: note ? [2, "Note"] : [1, "Discussions"],
      date: this.stamp(),
    }).id;
  }

  private activitySchedule(model: string, ids: number[], kwargs: Record<string, OdooValue>): number[] {
    const modelRow = this.tables["ir.model"].find((m) => m.model === model);
    return this.byIds(model, ids).map(
      (record) =>
        this.createActivity({
          res_model_id: modelRow?.id ?? 0,
          res_id: record.id,
          activity_type_id: kwargs.activity_type_id ?? 4,
          summary: kwargs.summary ?? false,
          note: kwargs.note ?? false,
          date_deadline: kwargs.date_deadline ?? false,
          ...(typeof kwargs.user_id === "number" ? { user_id: kwargs.user_id } : {}),
        }).id,
    );
  }
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#x27;");
}
