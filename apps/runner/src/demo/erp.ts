import { restErpPreset } from "@regua/connector-rest";
import type { Clock } from "@regua/core";
import { CommandFailed } from "../commands/shared.js";

/** A fake ERP for the demo, and the `sources[0]` entry that points a connector at it. */
export interface DemoErp {
  kind: "rest" | "sap-b1";
  configEntry: { id: string; connector: string; options: Record<string, unknown> };
  describe: string;
  /** Pays an invoice in full in the ERP (by the connector's externalId). */
  markPaid(externalId: string, date: string): void;
  /** Collection activities the runner wrote back into the ERP. */
  activitiesWritten(): number;
  close(): Promise<void>;
}

export const SOURCE_ID = "erp";
const TOKEN = "demo-erp-token";

export async function startDemoErp(options: {
  kind: "rest" | "sap-b1";
  customers: number;
  today: string;
  clock: Clock;
}): Promise<DemoErp> {
  return options.kind === "rest" ? startRest(options) : startSapB1(options);
}

interface RestFake {
  url: string;
  data: { activities: unknown[] };
  markPaid(invoiceId: number | string, date: string): unknown;
  close(): Promise<void>;
}

async function startRest(options: { customers: number; today: string; clock: Clock }): Promise<DemoErp> {
  const { startFakeRestErp } = (await import("@regua/test-fixtures/rest-erp")) as unknown as {
    startFakeRestErp(o: Record<string, unknown>): Promise<RestFake>;
  };
  const erp = await startFakeRestErp({
    seed: 42,
    customers: options.customers,
    today: options.today,
    token: TOKEN,
    pageSize: 100,
    now: () => options.clock.now(),
  });
  return {
    kind: "rest",
    configEntry: {
      id: SOURCE_ID,
      connector: "@regua/connector-rest",
      // The connector's own preset for this fake: the mapping a user would write in regua.yaml.
      options: restErpPreset(erp.url, TOKEN) as unknown as Record<string, unknown>,
    },
    describe: `@regua/connector-rest → fake REST ERP at ${erp.url} (${options.customers} customers, seed 42)`,
    markPaid: (externalId, date) => void erp.markPaid(externalId, date),
    activitiesWritten: () => erp.data.activities.length,
    close: () => erp.close(),
  };
}

async function startSapB1(_options: { customers: number; today: string; clock: Clock }): Promise<DemoErp> {
  const fixtures = (await import("@regua/test-fixtures/sap-b1")) as Record<string, unknown>;
  if (typeof fixtures.startFakeServiceLayer !== "function") {
    throw new CommandFailed(
      "--erp sap-b1 is not available yet: @regua/test-fixtures/sap-b1 does not export startFakeServiceLayer (use --erp rest)",
    );
  }
  throw new CommandFailed("--erp sap-b1 is not wired into the demo yet (use --erp rest)");
}
