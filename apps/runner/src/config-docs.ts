import { z } from "zod";
import { RunnerConfigSchema } from "./config.js";

/**
 * docs/configuration.md, generated from the runner's zod schema (`pnpm docs:config`) so the
 * reference cannot drift from what the loader accepts; a test checks the committed file.
 */

type JsonSchema = {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  minItems?: number;
};

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" \\| ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" or ");
  if (schema.type === "array") return `list of ${schema.items ? typeOf(schema.items) : "values"}`;
  if (schema.type === "object" && schema.properties)
    return `{ ${Object.keys(schema.properties).join(", ")} }`;
  return Array.isArray(schema.type) ? schema.type.join(" \\| ") : (schema.type ?? "any");
}

function limits(schema: JsonSchema): string {
  const parts: string[] = [];
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.minLength !== undefined) parts.push(`length ≥ ${schema.minLength}`);
  if (schema.minItems !== undefined) parts.push(`at least ${schema.minItems}`);
  if (schema.pattern) parts.push(`pattern \`${schema.pattern}\``);
  return parts.join(", ");
}

function rows(schema: JsonSchema, prefix: string, out: string[]): void {
  for (const [name, field] of Object.entries(schema.properties ?? {})) {
    const path = `${prefix}${name}`;
    const required = schema.required?.includes(name) && field.default === undefined ? "yes" : "";
    const fallback = field.default === undefined ? "" : `\`${JSON.stringify(field.default)}\``;
    out.push(`| \`${path}\` | ${typeOf(field)} | ${required} | ${fallback} | ${limits(field)} |`);
    if (field.type === "object" && field.properties) rows(field, `${path}.`, out);
    if (field.type === "array" && field.items?.properties) rows(field.items, `${path}[].`, out);
  }
}

export function renderConfigReference(): string {
  const schema = z.toJSONSchema(RunnerConfigSchema, { io: "input", unrepresentable: "any" }) as JsonSchema;
  const table: string[] = [];
  rows(schema, "", table);
  return `# Configuration reference (regua.yaml)

<!-- Generated from the runner's zod schema by \`pnpm docs:config\`; do not edit by hand. -->

\`regua init --erp … --channel …\` writes a commented starting point. Every field is checked at
start; an error names the file, line, column and field (\`regua.yaml:12:5 sources[0].id: …\`).
Any value can be written as \`{ env: NAME }\` to read it from the environment (secrets belong
there, never in the file). Plugin \`options\` are checked by each plugin's own schema: see the
plugin's README (e.g. packages/connectors/sap-b1, packages/channels/whatsapp).

| field | type | required | default | limits |
|---|---|---|---|---|
${table.join("\n")}
`;
}
