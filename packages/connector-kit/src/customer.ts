import type { Customer } from "@regua/core";

/** The fields of a régua Customer an ERP does not hold. */
export type CustomerDefaults = Pick<
  Customer,
  "segment" | "tags" | "value" | "consent" | "optedOutAt" | "customFields"
>;

/**
 * What a mapper writes for the fields no ERP holds: no segment or value (the policy's and the
 * operator's), consent unknown and no opt-out (régua records those from the channel). Spread it
 * first and override what the ERP does know (tags, custom fields).
 */
export function customerDefaults(): CustomerDefaults {
  return { segment: null, tags: [], value: null, consent: "unknown", optedOutAt: null, customFields: {} };
}
