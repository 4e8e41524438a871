import type { ConnectorDefinition, EntityName, Invoice } from "@regua/core";
import { afterAll, beforeAll, describe } from "vitest";
import type { z } from "zod";
import type { TestContextOptions } from "../context.js";
import { type ConnectorHarness, createConnectorHarness } from "./connector-suites/harness.js";
import { CONNECTOR_SUITES, defaultConnectorSuites } from "./connector-suites/index.js";
import type { OptionsOrFactory } from "./shared.js";
import { assertComplete, type ConformanceSuite, registerSuites } from "./suite.js";

/** What `holds` answers: the externalIds of each entity the system holds (any subset of entities). */
export type HeldIds = Partial<Record<EntityName, readonly string[]>>;

export interface ConnectorConformanceOptions<TSchema extends z.ZodType, TFixture = undefined> {
  /** Shown in the suite title: "connector conformance: <name>". */
  name: string;
  definition: ConnectorDefinition<TSchema>;
  /** What config would hold under `options:` (secrets already resolved). */
  options: OptionsOrFactory<z.input<TSchema>, TFixture>;
  /** Starts what the connector talks to (a fake server) and returns a handle passed to the other hooks. */
  setup?: () => TFixture | Promise<TFixture>;
  teardown?: (fixture: TFixture) => void | Promise<void>;
  /**
   * Changes `invoice` in the system behind the connector (pay it, edit it) so its change marker
   * moves. Without it the change-detection checks are skipped, with that reason in their titles.
   */
  mutate?: (fixture: TFixture, invoice: Invoice) => void | Promise<void>;
  /**
   * The externalIds the system behind the connector holds, per entity. A full listing must
   * return exactly these: a connector that loses a page (or lists a record twice) fails. Without
   * it the completeness check is skipped, with that reason in its title.
   */
  holds?: (fixture: TFixture) => HeldIds | Promise<HeldIds>;
  /**
   * Deletes or cancels `invoice` in the system behind the connector. A fresh full listing must
   * then leave it out or list it as not dunnable (cancelled, written off, `deletedAt` set), so
   * the engine stops dunning it. Without it the deletion check is skipped, with that reason.
   */
  remove?: (fixture: TFixture, invoice: Invoice) => void | Promise<void>;
  /** Options with wrong credentials; the connector must fail with AuthError. */
  badCredentials?: OptionsOrFactory<z.input<TSchema>, TFixture>;
  /**
   * The suites to run, each with its opt-outs and their reasons:
   * `[listSuite({ disable: { multiplePages: "the ERP has no paging" } }), ...]`.
   * Default: every standard suite. Leaving a standard suite out is an error.
   */
  suites?: readonly ConformanceSuite<ConnectorHarness>[];
  /** Instance id records must carry as `source`. Default "conformance". */
  instanceId?: string;
  /** Clock, logger, state for the test context. */
  context?: Omit<TestContextOptions, "instanceId">;
  /** An invoice id the system does not have. Default "regua-conformance-missing-0". */
  unknownInvoiceId?: string;
  /** Per-test timeout. Default 30 s. */
  timeoutMs?: number;
}

/**
 * Runs the conformance suites against one connector: honest capabilities, health, records that
 * parse with the core schemas, gapless resumable paging, change detection, fresh reads,
 * idempotent write-back and error mapping. Call it at the top level of a vitest file.
 */
export function describeConnectorConformance<TSchema extends z.ZodType, TFixture = undefined>(
  suite: ConnectorConformanceOptions<TSchema, TFixture>,
): void {
  const timeout = suite.timeoutMs ?? 30_000;
  const suites = suite.suites ?? defaultConnectorSuites();
  assertComplete(`connector conformance ${suite.name}`, suites, CONNECTOR_SUITES);
  const live = createConnectorHarness(suite);

  describe(`connector conformance: ${suite.name}`, () => {
    beforeAll(() => live.start(), timeout);
    afterAll(() => live.stop(), timeout);
    registerSuites(suites, live.harness, timeout);
  });
}
