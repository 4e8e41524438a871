// The policy (the régua): zod schema, YAML/JSON parsing with file:line errors, message rendering.
export { formatPath, parsePolicy } from "./parse.js";
export {
  CONSOLE_STEP_PREFIX,
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
  MessageSpecSchema,
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
