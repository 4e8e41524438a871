import { describeZodError, type EntityName, isReguaError, type Page, type RecordReject } from "@regua/core";
import type { z } from "zod";

export interface MapRowsSpec<TRow, TOut> {
  entity: EntityName;
  /** The vendor's row as it arrives; parsed first, so the mapper only sees valid rows. */
  schema: z.ZodType<TRow>;
  /** Vendor row → canonical record; null leaves the row out (not an error). */
  map: (row: TRow) => TOut | null;
  /** The ERP key of a raw row, for the reject. Default: its `id`. */
  idOf?: (raw: Record<string, unknown>) => unknown;
  /**
   * A fast check that vouches for a row the schema would return unchanged: such a row is used as
   * it is, without zod's copy (the SAP B1 connector's hot path). Every other row is parsed.
   */
  accepts?: (raw: unknown) => raw is TRow;
  /** Which errors thrown by `map` reject the row instead of failing the page. Default: ValidationError. */
  isMappingError?: (error: unknown) => boolean;
}

export interface MappedRows<TRow, TOut> {
  items: TOut[];
  rejects: RecordReject[];
  /** Every row that passed the schema, mapped or not (for cursors and stamps). */
  parsed: TRow[];
}

const byId = (raw: Record<string, unknown>) => raw.id;
const isValidationError = (error: unknown) => isReguaError(error) && error.code === "VALIDATION";

/**
 * Parses and maps one page of vendor rows. A row that fails its schema or its mapping becomes a
 * RecordReject naming the ERP key and the field (the engine quarantines it); one bad row never
 * fails the page, and an unexpected error (a bug) still does.
 */
export function mapRows<TRow, TOut>(
  rows: readonly unknown[],
  spec: MapRowsSpec<TRow, TOut>,
): MappedRows<TRow, TOut> {
  const { entity, schema, map, idOf = byId, accepts, isMappingError = isValidationError } = spec;
  const out: MappedRows<TRow, TOut> = { items: [], rejects: [], parsed: [] };
  const reject = (raw: unknown, error: string) => {
    const key = idOf((raw ?? {}) as Record<string, unknown>);
    out.rejects.push({
      entity,
      externalId: key === undefined || key === null ? "(no id)" : String(key),
      error,
      raw,
    });
  };
  for (const raw of rows) {
    let row: TRow;
    if (accepts?.(raw)) {
      row = raw;
    } else {
      const result = schema.safeParse(raw);
      if (!result.success) {
        reject(raw, describeZodError(result.error));
        continue;
      }
      row = result.data;
    }
    out.parsed.push(row);
    try {
      const item = map(row);
      if (item !== null) out.items.push(item);
    } catch (error) {
      if (!isMappingError(error)) throw error;
      reject(raw, (error as Error).message);
    }
  }
  return out;
}

/** A page for the engine: rejects only when there are some. */
export function pageOf<T>(items: T[], rejects: readonly RecordReject[], cursor: string | null): Page<T> {
  return rejects.length ? { items, cursor, rejects: [...rejects] } : { items, cursor };
}
