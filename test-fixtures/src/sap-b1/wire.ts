import type { ServerResponse } from "node:http";

/**
 * What differs between /b1s/v1 and /b1s/v2 on the wire, and the Service Layer's error envelope.
 * SAP Business One Service Layer API reference (SAP Help, "Working with SAP Business One
 * Service Layer", sections "Login and Logout", "Query Options: Paging", "Error Handling"):
 * - v1 answers in OData v3 JSON light: `odata.metadata`, `odata.nextLink`, error message as
 *   `{ lang, value }`, dates "2026-01-31";
 * - v2 answers in OData v4 JSON: `@odata.context`, `@odata.nextLink`, error code as a string
 *   and message as a string, dates "2026-01-31T00:00:00Z".
 * - Activity kind is `Activity` in the v1 metadata and `ActivityProperty` in v2
 *   (SAPB1-v1.edmx / SAPB1-v2.edmx, EntityType Activity).
 */
export type SlVersion = "v1" | "v2";

/** Service Layer error codes the fake returns (the same numbers a real installation sends). */
export const SL_CODES = {
  invalidSession: 301,
  loginFailed: -304,
  notFound: -2028,
  invalidProperty: -1000,
  invalidValue: -10,
  invalidLink: -5002,
  internal: -1,
} as const;

export function errorBody(version: SlVersion, code: number, message: string): unknown {
  return version === "v1"
    ? { error: { code, message: { lang: "en-us", value: message } } }
    : { error: { code: String(code), message } };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = body === undefined ? "" : JSON.stringify(body);
  res.writeHead(status, {
    ...(text ? { "content-type": "application/json;odata.metadata=minimal;charset=utf-8" } : {}),
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(
  res: ServerResponse,
  version: SlVersion,
  status: number,
  code: number,
  message: string,
): void {
  sendJson(res, status, errorBody(version, code, message));
}

/** Every DateTime element régua's projections carry. */
const DATE_FIELDS = new Set([
  "DocDate",
  "DocDueDate",
  "UpdateDate",
  "CreateDate",
  "CreationDate",
  "ActivityDate",
  "LinkDate",
]);

export function activityPropertyFor(version: SlVersion): "Activity" | "ActivityProperty" {
  return version === "v1" ? "Activity" : "ActivityProperty";
}

/** CAP's row → this version's row: date format, activity property name, parsed collections. */
export function toWireRow(
  row: Record<string, unknown>,
  version: SlVersion,
  modelActivityName: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (key.startsWith("@")) continue;
    let wireValue = value;
    if (typeof value === "string" && DATE_FIELDS.has(key)) {
      const day = value.slice(0, 10);
      wireValue = version === "v1" ? day : `${day}T00:00:00Z`;
    } else if (Array.isArray(value)) {
      wireValue = value.map((item) => toWireRow(item as Record<string, unknown>, version, modelActivityName));
    }
    out[key === modelActivityName ? activityPropertyFor(version) : key] = wireValue;
  }
  return out;
}

/** A request body's dates ("2026-01-31" in v1) → what CAP's DateTime elements take. */
export function fromWireDates(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const isDay = typeof value === "string" && DATE_FIELDS.has(key) && /^\d{4}-\d{2}-\d{2}$/.test(value);
    out[key] = isDay ? `${value}T00:00:00Z` : value;
  }
  return out;
}

/**
 * A v1 request's query → what CAP (OData v4) parses: v1 writes dates as quoted strings
 * (`UpdateDate ge '2026-01-31'`) and uses OData v3's `substringof`.
 */
export function v1QueryToV4(text: string): string {
  return text
    .replace(
      /\b(\w*Date)\s+(eq|ne|gt|ge|lt|le)\s+'(\d{4}-\d{2}-\d{2})(?:T[\d:.]+Z?)?'/g,
      (_m, field: string, op: string, day: string) => `${field} ${op} ${day}T00:00:00Z`,
    )
    .replace(/substringof\(\s*('(?:[^']|'')*')\s*,\s*(\w+)\s*\)/g, "contains($2,$1)");
}

export function renameWord(text: string, from: string, to: string): string {
  return from === to ? text : text.replace(new RegExp(`\\b${from}\\b`, "g"), to);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
