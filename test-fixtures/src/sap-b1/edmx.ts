/**
 * EDMX → CSN for the few Service Layer entity types régua reads and writes, following
 * ../shared/specs/sap-b1/NOTES.md (what worked serving the real metadata with CAP):
 * - every enum type becomes `cds.String` whose values are the member names ("bost_Open"),
 *   because the Service Layer sends and accepts names, not numbers;
 * - the `U_*` user-defined fields of the company the metadata came from are dropped (a real
 *   company's UDFs differ); the fake adds the UDFs a test configures;
 * - `notNull` is dropped on non-key elements;
 * - complex and collection properties are dropped (their OData flattening is what broke CAP),
 *   except the ones listed in `keepCollections` (PaymentInvoices), which become arrayed
 *   elements of their complex type's scalars.
 *
 * The XML is regular enough (one element per line, attributes in double quotes) that a
 * small scanner reads it without an XML library.
 */

export interface CsnElement {
  type?: string;
  key?: boolean;
  notNull?: boolean;
  enum?: Record<string, { val: string }>;
  items?: { elements: Record<string, CsnElement> };
}

export interface EntityTypeElements {
  /** Name of the key property. */
  key: string;
  elements: Record<string, CsnElement>;
}

const EDM_TO_CDS: Record<string, string> = {
  "Edm.String": "cds.LargeString",
  "Edm.Int16": "cds.Integer",
  "Edm.Int32": "cds.Integer",
  "Edm.Int64": "cds.Int64",
  "Edm.Byte": "cds.Integer",
  "Edm.SByte": "cds.Integer",
  "Edm.Double": "cds.Double",
  "Edm.Single": "cds.Double",
  "Edm.Decimal": "cds.Decimal",
  "Edm.Boolean": "cds.Boolean",
  "Edm.Guid": "cds.UUID",
  // v2 metadata (OData v4 types)
  "Edm.DateTimeOffset": "cds.DateTime",
  "Edm.Date": "cds.Date",
  "Edm.TimeOfDay": "cds.Time",
  // v1 metadata (OData v3 type names)
  "Edm.DateTime": "cds.DateTime",
  "Edm.Time": "cds.Time",
};

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of tag.matchAll(/(\w+)="([^"]*)"/g)) out[match[1] as string] = match[2] as string;
  return out;
}

/** Member names of every EnumType in the schema. */
export function readEnumTypes(xml: string): Map<string, string[]> {
  const enums = new Map<string, string[]>();
  for (const match of xml.matchAll(/<EnumType\b([^>]*)>([\s\S]*?)<\/EnumType>/g)) {
    const name = attributes(match[1] as string).Name;
    if (!name) continue;
    const members = [...(match[2] as string).matchAll(/<Member\b([^>]*)\/>/g)].map(
      (m) => attributes(m[1] as string).Name as string,
    );
    enums.set(`SAPB1.${name}`, members);
  }
  return enums;
}

function typeBody(xml: string, kind: "EntityType" | "ComplexType", name: string): string {
  const open = new RegExp(`<${kind} Name="${name}"[^>]*>`).exec(xml);
  if (!open) throw new Error(`EDMX has no ${kind} ${name}`);
  const start = open.index + open[0].length;
  const end = xml.indexOf(`</${kind}>`, start);
  return xml.slice(start, end);
}

function scalarElement(type: string, enums: Map<string, string[]>): CsnElement | null {
  const cdsType = EDM_TO_CDS[type];
  if (cdsType) return { type: cdsType };
  const members = enums.get(type);
  if (members) {
    return { type: "cds.String", enum: Object.fromEntries(members.map((m) => [m, { val: m }])) };
  }
  return null; // complex type, collection, stream: not served
}

/** Scalars of one entity or complex type, converted as the header comment says. */
export function readTypeElements(
  xml: string,
  kind: "EntityType" | "ComplexType",
  name: string,
  enums: Map<string, string[]>,
  keepCollections: Record<string, KeptCollection> = {},
): EntityTypeElements {
  const body = typeBody(xml, kind, name);
  const key = /<PropertyRef Name="([^"]+)"/.exec(body)?.[1] ?? "";
  const elements: Record<string, CsnElement> = {};
  for (const match of body.matchAll(/<Property\b([^>]*)\/>/g)) {
    const attrs = attributes(match[1] as string);
    const propName = attrs.Name as string;
    const type = attrs.Type as string;
    if (propName.startsWith("U_")) continue;
    const kept = keepCollections[propName];
    if (kept) {
      const inner = readTypeElements(xml, "ComplexType", kept.type, enums).elements;
      const fields = kept.fields ?? Object.keys(inner);
      elements[propName] = {
        items: { elements: Object.fromEntries(fields.map((f) => [f, inner[f] ?? {}])) },
      };
      continue;
    }
    const element = scalarElement(type, enums);
    if (!element) continue;
    if (propName === key) {
      element.key = true;
      element.notNull = true;
    }
    elements[propName] = element;
  }
  return { key, elements };
}

/** A collection property kept as an arrayed element: its complex type, optionally some fields. */
export interface KeptCollection {
  type: string;
  fields?: readonly string[];
}

/**
 * The entity types behind the entity sets régua uses (SAPB1-v{1,2}.edmx, EntityContainer):
 * BusinessPartners, Invoices and CreditNotes (both SAPB1.Document), IncomingPayments, Activities.
 * DocumentLines keeps only the base-document link, so a credit note names the invoice it closes.
 */
export const SERVED_TYPES: Record<string, Record<string, KeptCollection>> = {
  BusinessPartner: {},
  Document: {
    DocumentLines: {
      type: "DocumentLine",
      fields: ["LineNum", "BaseType", "BaseEntry", "BaseLine", "LineTotal"],
    },
  },
  Payment: { PaymentInvoices: { type: "PaymentInvoice" } },
  Activity: {},
};

export type ServedTypeName = "BusinessPartner" | "Document" | "Payment" | "Activity";

/** Reads the served entity types out of one EDMX file. */
export function convertEdmx(xml: string): Record<ServedTypeName, EntityTypeElements> {
  const enums = readEnumTypes(xml);
  const out = {} as Record<ServedTypeName, EntityTypeElements>;
  for (const [name, collections] of Object.entries(SERVED_TYPES) as [
    ServedTypeName,
    Record<string, KeptCollection>,
  ][]) {
    out[name] = readTypeElements(xml, "EntityType", name, enums, collections);
  }
  return out;
}
