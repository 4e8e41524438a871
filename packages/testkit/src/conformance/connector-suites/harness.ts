import type {
  Connector,
  ConnectorCapabilities,
  EntityName,
  Invoice,
  ListQuery,
  Page,
  PluginContext,
} from "@regua/core";
import type { z } from "zod";
import type { ConnectorConformanceOptions, HeldIds } from "../connector.js";
import { makeContext, parseOptions, resolveOptions } from "../shared.js";
import { defineSuite, type SuiteFactory, type SuiteTest } from "../suite.js";

export type ListedRecord = { externalId: string };

/** What a connector suite sees: the live instance, its declared capabilities and the test's hooks. */
export interface ConnectorHarness {
  readonly where: string;
  readonly instanceId: string;
  readonly unknownInvoiceId: string;
  /** Declared by the definition, so known before the instance exists (skips read these). */
  readonly capabilities: ConnectorCapabilities;
  /** The instance built in beforeAll. */
  connector(): Connector;
  /** The test context's clock. */
  now(): Date;
  /** A full listing from the start, fetched once per entity and shared by the suites. */
  fullListing(entity: EntityName): Promise<Page<ListedRecord>[]>;
  /** Every page of a listing from `query`. */
  list(entity: EntityName, query: ListQuery): Promise<Page<ListedRecord>[]>;
  /** Present when the test supplied `mutate`. */
  readonly mutate?: (invoice: Invoice) => Promise<void>;
  /** Present when the test supplied `holds`: the externalIds the system holds. */
  readonly holds?: () => Promise<HeldIds>;
  /** Present when the test supplied `remove`. */
  readonly remove?: (invoice: Invoice) => Promise<void>;
  /** Present when the test supplied `badCredentials`: a second instance the caller closes. */
  readonly createWithBadCredentials?: () => Promise<Connector>;
}

/** Declares a connector suite: `export const fooSuite = defineConnectorSuite("foo", { key: {...} })`. */
export function defineConnectorSuite<K extends string>(
  name: string,
  tests: Record<K, SuiteTest<ConnectorHarness>>,
): SuiteFactory<ConnectorHarness, K> {
  return defineSuite<ConnectorHarness, K>(name, tests);
}

async function collect<T>(pages: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const all: Page<T>[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

type Lister = (query: ListQuery) => AsyncIterable<Page<ListedRecord>>;

function lister(connector: Connector, entity: EntityName): Lister | undefined {
  if (entity === "customers") return (q: ListQuery) => connector.listCustomers(q);
  if (entity === "invoices") return (q: ListQuery) => connector.listInvoices(q);
  const listPayments = connector.listPayments?.bind(connector);
  return listPayments ? (q: ListQuery) => listPayments(q) : undefined;
}

export interface LiveConnectorHarness {
  harness: ConnectorHarness;
  /** Runs `setup` and creates the instance (beforeAll). */
  start(): Promise<void>;
  /** Closes the instance and runs `teardown` (afterAll). */
  stop(): Promise<void>;
}

export function createConnectorHarness<TSchema extends z.ZodType, TFixture>(
  suite: ConnectorConformanceOptions<TSchema, TFixture>,
): LiveConnectorHarness {
  const where = `connector ${suite.definition.id}`;
  const instanceId = suite.instanceId ?? "conformance";
  const context: PluginContext = makeContext(instanceId, suite.context);
  const state: { fixture?: TFixture; connector?: Connector } = {};
  const fixture = () => state.fixture as TFixture;
  const create = async (input: z.input<TSchema>) =>
    suite.definition.create(parseOptions(suite.definition.optionsSchema, input, where), context);
  const connector = () => {
    if (!state.connector) throw new Error(`${where}: the connector was not created (see beforeAll)`);
    return state.connector;
  };
  const list = (entity: EntityName, query: ListQuery) => {
    const fn = lister(connector(), entity);
    if (!fn) throw new Error(`${where}: no list method for ${entity}`);
    return collect(fn(query));
  };
  const listings = new Map<EntityName, Promise<Page<ListedRecord>[]>>();
  const { mutate, badCredentials, holds, remove } = suite;
  const harness: ConnectorHarness = {
    where,
    instanceId,
    unknownInvoiceId: suite.unknownInvoiceId ?? "regua-conformance-missing-0",
    capabilities: suite.definition.capabilities,
    connector,
    now: () => context.clock.now(),
    list,
    fullListing(entity) {
      const listing = listings.get(entity) ?? list(entity, {});
      listings.set(entity, listing);
      return listing;
    },
    ...(mutate ? { mutate: async (invoice: Invoice) => mutate(fixture(), invoice) } : {}),
    ...(holds ? { holds: async () => holds(fixture()) } : {}),
    ...(remove ? { remove: async (invoice: Invoice) => remove(fixture(), invoice) } : {}),
    ...(badCredentials
      ? { createWithBadCredentials: () => create(resolveOptions(badCredentials, fixture())) }
      : {}),
  };
  return {
    harness,
    async start() {
      state.fixture = (suite.setup ? await suite.setup() : undefined) as TFixture;
      state.connector = await create(resolveOptions(suite.options, fixture()));
    },
    async stop() {
      await state.connector?.close();
      if (suite.teardown) await suite.teardown(fixture());
    },
  };
}
