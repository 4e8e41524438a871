// Owned by the policy/planner work: schema (zod), YAML/JSON parsing with file:line errors,
// and message rendering. The signatures below are the contract the engine and runner use.
import type { PlannedAction } from "../actions.js";
import type { OutboundMessage } from "../contracts.js";
import type { Customer, Invoice } from "../model.js";

/** The validated policy (the régua). Replaced by z.infer<typeof PolicySchema>. */
export type Policy = Record<string, unknown>;

/**
 * Parses a policy file (YAML or JSON). Throws ValidationError whose message names the file,
 * the line and the field path ("policy.yaml:14 steps[2].offsetDays: expected a number").
 */
export function parsePolicy(_text: string, _fileName: string): Policy {
  throw new Error("parsePolicy: not implemented yet");
}

/**
 * Renders the message an action sends: template name/language/parameters from the policy's
 * variable mapping, filled from the canonical model. Throws ValidationError naming the
 * missing variable; never returns an empty message.
 */
export function renderMessage(_input: {
  policy: Policy;
  action: PlannedAction;
  customer: Customer;
  invoices: readonly Invoice[];
  to: string;
}): OutboundMessage {
  throw new Error("renderMessage: not implemented yet");
}
