import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { Ajv2019, type ErrorObject, type ValidateFunction } from "ajv/dist/2019.js";
import addFormatsModule from "ajv-formats";
import { parse } from "yaml";

/**
 * Request-body validators built from Meta's own OpenAPI description
 * (../shared/specs/whatsapp/business-messaging-api_v23.0.yaml, vendored with its MIT licence in
 * test-fixtures/specs/ so the fake also works when installed from npm), so the fake rejects what
 * the description says Meta rejects instead of what we think it does.
 */
export const DEFAULT_SPEC_PATH = fileURLToPath(
  new URL("../../specs/whatsapp/business-messaging-api_v23.0.yaml", import.meta.url),
);

type JsonSchema = { [key: string]: unknown };
type Schemas = Record<string, JsonSchema>;

export interface SpecValidators {
  /** `POST /{Version}/{Phone-Number-ID}/messages`, schema `#/components/schemas/Message`. */
  message: ValidateFunction;
  /** One validator per `type` (Message's discriminator), for error messages that name the field. */
  messageByType: Map<string, ValidateFunction>;
  /** `POST /{Version}/{Phone-Number-ID}/media`, the multipart/form-data request body. */
  media: ValidateFunction;
}

const cache = new Map<string, Promise<SpecValidators>>();

export function loadSpecValidators(specPath = process.env.REGUA_WHATSAPP_SPEC ?? DEFAULT_SPEC_PATH) {
  let validators = cache.get(specPath);
  if (!validators) {
    validators = buildValidators(specPath);
    cache.set(specPath, validators);
  }
  return validators;
}

async function buildValidators(specPath: string): Promise<SpecValidators> {
  const doc = parse(await readFile(specPath, "utf8")) as {
    components: { schemas: Schemas };
    paths: Record<string, Record<string, JsonSchema>>;
  };
  const schemas = structuredClone(doc.components.schemas);
  patchSchemas(schemas);

  // strict: false because the description carries OpenAPI-only keywords (example, discriminator).
  const ajv = new Ajv2019({ strict: false, allErrors: false });
  const addFormats = (addFormatsModule as unknown as { default: (a: Ajv2019) => void }).default;
  addFormats(ajv);
  // The description says `format: url` (not JSON Schema's `uri`) and "HTTP/HTTPS only".
  ajv.addFormat("url", /^https?:\/\/[^\s]+$/i);
  ajv.addSchema({ components: { schemas } }, "whatsapp");

  const message = ajv.getSchema("whatsapp#/components/schemas/Message");
  if (!message) throw new Error("Message schema missing from the WhatsApp description");
  const mediaPath = doc.paths["/{Version}/{Phone-Number-ID}/media"];
  const mediaBody = mediaPath?.post?.requestBody as
    | { content: Record<string, { schema: JsonSchema }> }
    | undefined;
  const mediaSchema = mediaBody?.content["multipart/form-data"]?.schema;
  if (!mediaSchema) throw new Error("media multipart schema missing from the WhatsApp description");
  const messageByType = new Map<string, ValidateFunction>();
  const mapping = (schemas.Message?.discriminator as { mapping?: Record<string, string> } | undefined)
    ?.mapping;
  for (const [type, ref] of Object.entries(mapping ?? {})) {
    const branch = ajv.getSchema(`whatsapp${ref}`);
    if (branch) messageByType.set(type, branch);
  }
  return { message, messageByType, media: ajv.compile(mediaSchema) };
}

/**
 * Known defects of the v23.0 description, fixed to what Meta's API reference documents.
 * Each fix is as narrow as possible; everything else is validated exactly as written.
 */
function patchSchemas(schemas: Schemas): void {
  // 1. "Inheritance" is written as allOf [Base, {additionalProperties: false, …}], which in JSON
  //    Schema rejects every Base property (messaging_product, to …). The intent is "no property
  //    beyond Base + these": JSON Schema 2019-09 says that with unevaluatedProperties.
  for (const schema of Object.values(schemas)) {
    const members = schema.allOf as JsonSchema[] | undefined;
    if (!Array.isArray(members)) continue;
    for (const member of members) {
      if (member.additionalProperties === false) {
        delete member.additionalProperties;
        schema.unevaluatedProperties = false;
      }
    }
  }
  // 2. biz_opaque_callback_data is a documented field of every send
  //    (https://developers.facebook.com/docs/whatsapp/cloud-api/reference/messages), missing here.
  const base = schemas.BaseMessageProperties;
  if (base) {
    (base.properties as Schemas).biz_opaque_callback_data = { type: "string", maxLength: 512 };
  }
  // 3. Button index: the description says "0-9" but its pattern ^[2-6, 11-14]$ rejects "0".
  for (const name of ["TemplateComponent", "ButtonComponent"]) fixButtonIndex(schemas, name);
  // 4. Copy-code buttons (`sub_type: copy_code`, parameter `coupon_code`) are documented by Meta
  //    (authentication / coupon templates) and used for PIX codes, but absent from the enums.
  addCopyCodeButtons(schemas);
  // 5. Polymorphism written as a base schema with discriminator.mapping (not oneOf) is not
  //    validated by JSON Schema at all; turn each mapping into if/then branches.
  for (const name of Object.keys(schemas)) expandDiscriminator(schemas, name);
}

function fixButtonIndex(schemas: Schemas, name: string): void {
  const schema = schemas[name];
  const props = (schema?.properties ?? (schema?.allOf as JsonSchema[] | undefined)?.[1]?.properties) as
    | Schemas
    | undefined;
  if (props?.index) props.index = { type: "string", pattern: "^[0-9]$" };
}

function addCopyCodeButtons(schemas: Schemas): void {
  const subTypeEnums = [
    (schemas.TemplateComponent?.properties as Schemas | undefined)?.sub_type,
    ((schemas.ButtonComponent?.allOf as JsonSchema[] | undefined)?.[1]?.properties as Schemas | undefined)
      ?.sub_type,
  ];
  for (const subType of subTypeEnums) {
    if (Array.isArray(subType?.enum)) subType.enum.push("copy_code");
  }
  const parameter = schemas.ButtonParameterObject;
  const typeEnum = (parameter?.properties as Schemas | undefined)?.type?.enum;
  if (Array.isArray(typeEnum)) typeEnum.push("coupon_code");
  const mapping = (parameter?.discriminator as { mapping?: Record<string, string> } | undefined)?.mapping;
  if (mapping) mapping.coupon_code = "#/components/schemas/ButtonCouponCodeParameter";
  schemas.ButtonCouponCodeParameter = {
    allOf: [
      { $ref: "#/components/schemas/ButtonParameterObject" },
      {
        type: "object",
        required: ["coupon_code"],
        properties: { type: { enum: ["coupon_code"] }, coupon_code: { type: "string", maxLength: 15 } },
      },
    ],
  };
}

function expandDiscriminator(schemas: Schemas, name: string): void {
  const schema = schemas[name];
  const discriminator = schema?.discriminator as
    | { propertyName: string; mapping?: Record<string, string> }
    | undefined;
  if (!schema || !discriminator?.mapping || schema.oneOf || schema.anyOf) return;
  const baseName = `${name}__Base`;
  const { discriminator: _dropped, ...baseSchema } = schema;
  schemas[baseName] = baseSchema;
  const ownRef = `#/components/schemas/${name}`;
  const branches: JsonSchema[] = [];
  for (const [value, target] of Object.entries(discriminator.mapping)) {
    const targetName = target.split("/").pop() ?? "";
    const targetSchema = schemas[targetName];
    if (!targetSchema) continue;
    // The mapped schema extends this one: point it at the base, or validation would recurse.
    for (const member of (targetSchema.allOf as JsonSchema[] | undefined) ?? []) {
      if (member.$ref === ownRef) member.$ref = `#/components/schemas/${baseName}`;
    }
    branches.push({
      if: {
        properties: { [discriminator.propertyName]: { const: value } },
        required: [discriminator.propertyName],
      },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword
      then: { $ref: target },
    });
  }
  schemas[name] = { allOf: [{ $ref: `#/components/schemas/${baseName}` }, ...branches] };
}

/** Why a send body fails, naming the field through the branch its `type` selects. */
export function explainMessageError(validators: SpecValidators, body: unknown): string {
  const type = typeof body === "object" && body !== null ? (body as { type?: unknown }).type : undefined;
  const branch = typeof type === "string" ? validators.messageByType.get(type) : undefined;
  if (!branch) return `Param type must be one of ${[...validators.messageByType.keys()].join(", ")}`;
  branch(body);
  return describeSchemaError(branch.errors ?? validators.message.errors);
}

/** Meta's wording for a schema failure: "(#100) Param <path> <reason>". */
export function describeSchemaError(errors: ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return "Invalid parameter";
  const path = first.instancePath.replace(/^\//, "").replace(/\//g, "[") || "body";
  return `Param ${path} ${first.message ?? "is invalid"}`;
}
