import type { CsnElement, EntityTypeElements, ServedTypeName } from "./edmx.js";

/**
 * The CSN CAP serves: one table per entity set, typed from the real metadata (converted by
 * edmx.ts into metadata-v{1,2}.json), and a service at /sl with projections on the scalar
 * fields régua reads — NOTES.md step 3. The configured UDFs are added as strings; a real
 * company's UDFs are user-defined, so none come from the metadata.
 */
export const ENTITY_SETS = {
  BusinessPartners: "BusinessPartner",
  Invoices: "Document",
  CreditNotes: "Document",
  IncomingPayments: "Payment",
  Activities: "Activity",
} as const satisfies Record<string, ServedTypeName>;

export type EntitySetName = keyof typeof ENTITY_SETS;

const DOCUMENT_FIELDS = [
  "DocEntry",
  "DocNum",
  "CardCode",
  "CardName",
  "DocDate",
  "DocDueDate",
  "DocTotal",
  "PaidToDate",
  "DocTotalFc",
  "PaidToDateFC",
  "DocRate",
  "DocCurrency",
  "DocumentStatus",
  "Cancelled",
  "CancelStatus",
  "Comments",
  "CreationDate",
  "UpdateDate",
  "UpdateTime",
];

/** The projected fields; `Activity` (v1) or `ActivityProperty` (v2), whichever the metadata has. */
export const SERVED_FIELDS: Record<EntitySetName, readonly string[]> = {
  BusinessPartners: [
    "CardCode",
    "CardName",
    "CardType",
    "Phone1",
    "Phone2",
    "Cellular",
    "EmailAddress",
    "FederalTaxID",
    "Country",
    "Currency",
    "Valid",
    "Frozen",
    "CreateDate",
    "UpdateDate",
    "UpdateTime",
  ],
  Invoices: DOCUMENT_FIELDS,
  CreditNotes: [...DOCUMENT_FIELDS, "DocumentLines"],
  IncomingPayments: [
    "DocEntry",
    "DocNum",
    "DocDate",
    "CardCode",
    "DocCurrency",
    "CashSum",
    "TransferSum",
    "Cancelled",
    "PaymentInvoices",
  ],
  Activities: [
    "ActivityCode",
    "CardCode",
    "Notes",
    "Details",
    "ActivityDate",
    "ActivityTime",
    "Activity",
    "ActivityProperty",
    "ActivityType",
    "Subject",
    "HandledBy",
    "DocType",
    "DocEntry",
    "DocNum",
    "Closed",
    "Priority",
  ],
};

export const SERVICE_NAME = "ServiceLayer";
export const SERVICE_PATH = "/sl";

export interface Csn {
  $sources: string[];
  definitions: Record<string, unknown>;
}

/** UDFs by entity set, e.g. { Invoices: ["U_BoletoLinha", "U_PixCopiaCola"] }. */
export type UdfConfig = Partial<Record<EntitySetName, readonly string[]>>;

export function buildCsn(types: Record<ServedTypeName, EntityTypeElements>, udfs: UdfConfig): Csn {
  // cds.deploy reads csn.$sources for CSV initial data; there is none.
  const csn: Csn = { $sources: [], definitions: {} };
  csn.definitions[SERVICE_NAME] = { kind: "service", "@path": SERVICE_PATH };
  for (const [set, typeName] of Object.entries(ENTITY_SETS) as [EntitySetName, ServedTypeName][]) {
    const elements: Record<string, CsnElement> = structuredClone(types[typeName].elements);
    for (const udf of udfs[set] ?? []) elements[udf] = { type: "cds.LargeString" };
    csn.definitions[`sapb1.${set}`] = { kind: "entity", elements };
    const columns = [...SERVED_FIELDS[set], ...(udfs[set] ?? [])].filter((f) => f in elements);
    csn.definitions[`${SERVICE_NAME}.${set}`] = {
      kind: "entity",
      projection: { from: { ref: [`sapb1.${set}`] }, columns: columns.map((name) => ({ ref: [name] })) },
    };
  }
  return csn;
}

/** The activity-kind property name in this metadata: v1 `Activity`, v2 `ActivityProperty`. */
export function activityPropertyName(
  types: Record<ServedTypeName, EntityTypeElements>,
): "Activity" | "ActivityProperty" {
  return "ActivityProperty" in types.Activity.elements ? "ActivityProperty" : "Activity";
}
