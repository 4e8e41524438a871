// The policy (the régua): zod schema, YAML/JSON parsing with file:line errors, message rendering.
export { formatPath, parsePolicy } from "./parse.js";
export {
  formatIsoDate,
  LIFECYCLE_STEP_PREFIX,
  type RenderInput,
  renderMessage,
  templateFallback,
} from "./render.js";
export { SAMPLE_POLICY_YAML } from "./sample.js";
export {
  LIFECYCLE_KINDS,
  type LifecycleKind,
  type MessageSpec,
  type Policy,
  type PolicyInput,
  PolicySchema,
  type PolicyStep,
  type StepConditions,
  VARIABLE_ALIASES,
  VARIABLE_SOURCES,
  type VariableSource,
  type VariableSourceName,
  WEEKDAYS,
  type Weekday,
} from "./schema.js";
