import { restErpPreset } from "@regua/connector-rest";
import type { Clock } from "@regua/core";
import { CommandFailed } from "../commands/shared.js";

/** A fake ERP for the demo, and the `sources[0]` entry that points a connector at it. */
export interface DemoErp {
  kind: "rest" | "sap-b1";
  configEntry: { id: string; connector: string; options: Record<string, unknown> };
  describe: string;
  /** Pays an invoice in full in the ERP (by the connector's externalId). */
  markPaid(externalId: string, date: string): Promise<void>;
  /** Collection activities the runner wrote back into the ERP. */
  activitiesWritten(): Promise<number>;
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
    markPaid: async (externalId, date) => void erp.markPaid(externalId, date),
    activitiesWritten: async () => erp.data.activities.length,
    close: () => erp.close(),
  };
}

interface ServiceLayerFake {
  url: string;
  markPaid(docEntry: number, date: string): Promise<void>;
  activities(): Promise<unknown[]>;
  close(): Promise<void>;
}

/** SAP Business One: the Service Layer fake (CAP over the real metadata) and @regua/connector-sap-b1. */
async function startSapB1(options: { customers: number; today: string }): Promise<DemoErp> {
  const fixtures = (await import("@regua/test-fixtures/sap-b1")) as Record<string, unknown>;
  if (typeof fixtures.startFakeServiceLayer !== "function") {
    throw new CommandFailed(
      "--erp sap-b1 is not available yet: @regua/test-fixtures/sap-b1 has no startFakeServiceLayer (use --erp rest)",
    );
  }
  try {
    const connectorPackage = "@regua/connector-sap-b1";
    await import(connectorPackage);
  } catch (error) {
    throw new CommandFailed(
      `--erp sap-b1 is not available yet: @regua/connector-sap-b1 cannot be loaded (${(error as Error).message.split("\n")[0]}); use --erp rest`,
    );
  }
  const credentials = { user: "manager", password: "demo-sap-password", companyDb: "SBODEMOBR" };
  const sl = await (
    fixtures.startFakeServiceLayer as (o: Record<string, unknown>) => Promise<ServiceLayerFake>
  )({
    seed: 42,
    customers: options.customers,
    today: options.today,
    version: "v2",
    pageSize: 100,
    ...credentials,
  });
  return {
    kind: "sap-b1",
    configEntry: {
      id: SOURCE_ID,
      connector: "@regua/connector-sap-b1",
      options: {
        baseUrl: sl.url,
        version: "v2",
        ...credentials,
        pageSize: 100,
        udf: { boletoLine: "U_BoletoLinha", pixCode: "U_PixCopiaCola" },
      },
    },
    describe: `@regua/connector-sap-b1 → fake SAP B1 Service Layer (v2) at ${sl.url} (${options.customers} customers, seed 42)`,
    markPaid: (externalId, date) => sl.markPaid(Number(externalId), date),
    activitiesWritten: async () => (await sl.activities()).length,
    close: () => sl.close(),
  };
}
