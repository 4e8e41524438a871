import { z } from "zod";

/**
 * zod for what the ERP sends. The connector is declarative, so a record's shape comes from the
 * options' field map: each record is an object, the mapped values are pulled out by path and
 * parsed by the schemas below, whose paths are the canonical field names, so a failure reads
 * "dueDate: must be a date (got "31/02/2026")". The whole record is kept as `raw`.
 */
export const ErpRecord = z.record(z.string(), z.unknown());
export type ErpRecord = z.infer<typeof ErpRecord>;

/** The list location must hold an array of objects; anything else is a config or ERP mismatch. */
export const ErpRecordList = z.array(ErpRecord);

/** Keys arrive as strings or numbers; the canonical model keeps them as strings. */
export const ErpId = z
  .union([z.string().trim().min(1), z.number().int()], {
    error: (issue) =>
      issue.input == null ? "missing" : `must be an id (got ${JSON.stringify(issue.input)})`,
  })
  .transform(String);

const describe = (input: unknown) => JSON.stringify(input);

export interface ErpFormats {
  decimalSeparator: "." | ",";
  dateOrder: "ymd" | "dmy";
}

/** A decimal amount as a plain "1234.56" string, from "1.234,56", "1234.56" or a JSON number. */
export function erpDecimal(formats: ErpFormats) {
  return z.union([z.string(), z.number()]).transform((input, ctx) => {
    if (typeof input === "number") {
      if (Number.isFinite(input)) return input;
      ctx.addIssue({ code: "custom", message: `must be a decimal amount (got ${describe(input)})` });
      return z.NEVER;
    }
    const text = input.trim().replace(/\s/g, "");
    const plain =
      formats.decimalSeparator === "," ? text.replace(/\./g, "").replace(",", ".") : text.replace(/,/g, "");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(plain)) {
      ctx.addIssue({ code: "custom", message: `must be a decimal amount (got ${describe(input)})` });
      return z.NEVER;
    }
    return plain;
  });
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * A calendar date → YYYY-MM-DD. An ISO timestamp keeps the date it was written with (the
 * ERP's own local date), not the UTC date.
 */
export function erpDate(formats: ErpFormats) {
  return z.string().transform((input, ctx) => {
    const text = input.trim();
    const ymd = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(text);
    const dmy = formats.dateOrder === "dmy" ? /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(text) : null;
    const [year, month, day] = ymd
      ? [ymd[1], ymd[2], ymd[3]].map(Number)
      : dmy
        ? [dmy[3], dmy[2], dmy[1]].map(Number)
        : [];
    if (year === undefined || month === undefined || day === undefined || !isCalendarDate(year, month, day)) {
      ctx.addIssue({ code: "custom", message: `must be a date (got ${describe(input)})` });
      return z.NEVER;
    }
    return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  });
}

/**
 * An instant → ISO-8601 UTC. "2026-03-14T09:00:00-03:00" keeps its offset; a timestamp without
 * one ("2026-03-14 12:00:00") is read as UTC so the result never depends on the host's zone.
 */
export const ErpTimestamp = z.union([z.string(), z.number()]).transform((input, ctx) => {
  let ms: number;
  if (typeof input === "number") {
    ms = input < 1e11 ? input * 1000 : input; // epoch seconds or milliseconds
  } else {
    const text = input.trim().replace(" ", "T");
    const zoned = /([zZ]|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes("T") ? text : `${text}Z`;
    ms = /^\d{4}-\d{2}-\d{2}(T[\d:.]+([zZ]|[+-]\d{2}:?\d{2})?)?$/.test(zoned)
      ? Date.parse(zoned)
      : Number.NaN;
  }
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: "custom", message: `must be a timestamp (got ${describe(input)})` });
    return z.NEVER;
  }
  return new Date(ms).toISOString();
});

const OptionalText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v === null || v === undefined || String(v).trim() === "" ? null : String(v).trim()));

export const CustomerValues = z.object({
  externalId: ErpId,
  name: z
    .string({ error: (i) => (i.input == null ? "missing" : "must be text") })
    .trim()
    .min(1, "must not be empty"),
  taxId: OptionalText,
  phones: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
  email: OptionalText,
  segment: OptionalText,
  tags: z
    .union([z.array(z.string()), z.string()])
    .nullish()
    .transform((v) =>
      v == null
        ? []
        : Array.isArray(v)
          ? v
          : v
              .split(",")
              .map((t) => t.trim())
              .filter(Boolean),
    ),
  value: z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .nullish(),
  country: OptionalText,
  language: OptionalText,
  updatedAt: ErpTimestamp.nullish(),
});

function buildInvoiceValues(formats: ErpFormats) {
  const decimal = erpDecimal(formats);
  const date = erpDate(formats);
  return z.object({
    externalId: ErpId,
    number: ErpId,
    customerRef: ErpId,
    issueDate: date,
    dueDate: date,
    total: decimal,
    openAmount: decimal.nullish(),
    paidAmount: decimal.nullish(),
    currency: OptionalText,
    status: OptionalText,
    boletoLine: OptionalText,
    pixCode: OptionalText,
    payLink: OptionalText,
    documentUrl: OptionalText,
    updatedAt: ErpTimestamp.nullish(),
  });
}

function buildPaymentValues(formats: ErpFormats) {
  const decimal = erpDecimal(formats);
  return z.object({
    externalId: ErpId,
    customerRef: ErpId.nullish(),
    date: erpDate(formats),
    amount: decimal,
    currency: OptionalText,
    allocations: z.array(z.object({ invoiceRef: ErpId, amount: decimal })).default([]),
    updatedAt: ErpTimestamp.nullish(),
  });
}

/** Common error bodies: { error: { code, message } }, { message }, { error: "…" }, { errors: [{ message }] }. */
export const ErpErrorBody = z
  .object({
    error: z
      .union([z.string(), z.object({ code: z.unknown().optional(), message: z.string().optional() }).loose()])
      .optional(),
    message: z.string().optional(),
    code: z.unknown().optional(),
    errors: z.array(z.object({ message: z.string().optional() }).loose()).optional(),
  })
  .loose();

/** The connector's own resume point, stored by the engine between runs. */
export const RestCursor = z.object({
  /** The change marker this listing runs from (ISO), null for a full listing. */
  since: z.string().nullable(),
  /** Where the next page starts (page number, offset, cursor token or URL); null: listing finished. */
  next: z.union([z.string(), z.number()]).nullable(),
  /** The newest updatedAt seen so far in this listing (ISO). */
  high: z.string().nullable(),
});
export type RestCursor = z.infer<typeof RestCursor>;

/**
 * The per-format schemas, built once: zod compiles an object schema on its first parse, so a
 * schema made per record would be compiled per record.
 */
const built = new Map<
  string,
  { invoice: ReturnType<typeof buildInvoiceValues>; payment: ReturnType<typeof buildPaymentValues> }
>();

export function valueSchemas(formats: ErpFormats) {
  const key = `${formats.decimalSeparator}|${formats.dateOrder}`;
  let schemas = built.get(key);
  if (!schemas) {
    schemas = { invoice: buildInvoiceValues(formats), payment: buildPaymentValues(formats) };
    built.set(key, schemas);
  }
  return schemas;
}
