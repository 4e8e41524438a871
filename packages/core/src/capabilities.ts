import type { z } from "zod";
import type { Connector, ConnectorCapabilities, PluginContext } from "./contracts.js";
import { ConfigError } from "./errors.js";

/**
 * Typed capability flags, after better-auth's adapter factory: the definition states what the
 * connector supports and the types follow. `true`: every instance has it, so `create` must
 * return the methods (a compile error otherwise); `false`: never; `"options"`: the instance's
 * options decide (the REST connector lists payments only when a payments resource is configured),
 * and the created connector says so in its own `capabilities` or by having the method.
 */
export type CapabilityFlag = boolean | "options";

export type CapabilityName = keyof CapabilityMembers;
export type CapabilityDeclaration = { readonly [K in CapabilityName]?: CapabilityFlag };

/** What each capability obliges the connector to implement. */
/** What each capability obliges the connector to implement (the signatures are Connector's own). */
type Member<K extends keyof Connector> = { [P in K]-?: NonNullable<Connector[P]> };
export interface CapabilityMembers {
  payments: Member<"listPayments">;
  getInvoice: Member<"getInvoice">;
  writeActivity: Member<"writeActivity">;
  webhooks: Member<"webhook">;
  documents: Member<"getDocument">;
  lookups: Member<"findCustomersByTaxId" | "listOpenInvoices">;
}

type Needs<C extends CapabilityDeclaration, K extends CapabilityName> = C[K] extends true
  ? CapabilityMembers[K]
  : unknown;

/** The members a declaration makes mandatory, as one intersection. */
export type RequiredMembers<C extends CapabilityDeclaration> = Needs<C, "payments"> &
  Needs<C, "getInvoice"> &
  Needs<C, "writeActivity"> &
  Needs<C, "webhooks"> &
  Needs<C, "documents"> &
  Needs<C, "lookups">;

/** What `create` returns: a Connector whose declared capabilities are not optional. */
export type ConnectorImplementation<C extends CapabilityDeclaration> = Omit<Connector, "capabilities"> & {
  readonly capabilities?: Partial<ConnectorCapabilities>;
} & RequiredMembers<C>;

export interface ConnectorSpec<TOptions extends z.ZodType, C extends CapabilityDeclaration> {
  /** The npm package name, as written in config: "@regua/connector-sap-b1". */
  id: string;
  displayName: string;
  capabilities: C;
  optionsSchema: TOptions;
  create(
    options: z.output<TOptions>,
    ctx: PluginContext,
  ): ConnectorImplementation<C> | Promise<ConnectorImplementation<C>>;
}

/** A connector as the runner and the engine see it, capabilities resolved. */
export interface ConnectorDefinition<TOptions extends z.ZodType = z.ZodType> {
  id: string;
  displayName: string;
  /** The most this connector can do (a capability the options decide counts as possible). */
  capabilities: Required<ConnectorCapabilities>;
  optionsSchema: TOptions;
  create(options: z.output<TOptions>, ctx: PluginContext): Promise<Connector>;
}

/** Every optional connector capability, in one place (the conformance suites iterate it too). */
export const CAPABILITY_NAMES = [
  "payments",
  "getInvoice",
  "writeActivity",
  "webhooks",
  "documents",
  "lookups",
] as const satisfies readonly CapabilityName[];

/** Whether an instance has the members a capability needs. */
export function implementsCapability(
  connector: Omit<Partial<Connector>, "capabilities">,
  name: CapabilityName,
): boolean {
  switch (name) {
    case "payments":
      return typeof connector.listPayments === "function";
    case "getInvoice":
      return typeof connector.getInvoice === "function";
    case "writeActivity":
      return typeof connector.writeActivity === "function";
    case "webhooks":
      return typeof connector.webhook?.verify === "function" && typeof connector.webhook.parse === "function";
    case "documents":
      return typeof connector.getDocument === "function";
    case "lookups":
      return (
        typeof connector.findCustomersByTaxId === "function" &&
        typeof connector.listOpenInvoices === "function"
      );
  }
}

/** The definition's flags as booleans: what the connector may do. */
export function resolveCapabilities(declared: CapabilityDeclaration): Required<ConnectorCapabilities> {
  const resolved = {} as Record<CapabilityName, boolean>;
  for (const name of CAPABILITY_NAMES) resolved[name] = (declared[name] ?? false) !== false;
  return resolved;
}

/**
 * An instance's capabilities, decided once when it is created: a declared `true` must be
 * implemented (ConfigError naming the connector otherwise, for plugins written without the
 * types), `"options"` follows the instance, `false` is off whatever the instance has.
 */
function resolveInstance(
  id: string,
  declared: CapabilityDeclaration,
  instance: Omit<Partial<Connector>, "capabilities"> & {
    readonly capabilities?: Partial<ConnectorCapabilities>;
  },
): Required<ConnectorCapabilities> {
  const resolved = {} as Record<CapabilityName, boolean>;
  for (const name of CAPABILITY_NAMES) {
    const flag = declared[name] ?? false;
    const has = implementsCapability(instance, name);
    if (flag === true && !has) {
      throw new ConfigError(
        `${id} declares the "${name}" capability but its connector does not implement it`,
      );
    }
    resolved[name] = flag === true || (flag === "options" && has && instance.capabilities?.[name] !== false);
  }
  return resolved;
}

/**
 * Defines a connector. The capabilities are resolved once per instance, here, so the engine,
 * the planner and the conformance suites read one honest object.
 */
export function defineConnector<TOptions extends z.ZodType, const C extends CapabilityDeclaration>(
  spec: ConnectorSpec<TOptions, C>,
): ConnectorDefinition<TOptions> {
  return {
    id: spec.id,
    displayName: spec.displayName,
    capabilities: resolveCapabilities(spec.capabilities),
    optionsSchema: spec.optionsSchema,
    async create(options, ctx) {
      const instance = await spec.create(options, ctx);
      const capabilities = resolveInstance(spec.id, spec.capabilities, instance);
      const connector: Connector = Object.assign(instance, { capabilities });
      return connector;
    },
  };
}
