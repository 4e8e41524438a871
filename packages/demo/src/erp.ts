import { restErpPreset } from "@regua/connector-rest";
import type { Clock } from "@regua/core";
import { startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { startFakeServiceLayer } from "@regua/test-fixtures/sap-b1";

export type DemoErpKind = "rest" | "sap-b1";

/** A fake ERP for the demo, and the `sources[0]` entry that points a connector at it. */
export interface DemoErp {
  kind: DemoErpKind;
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
  kind: DemoErpKind;
  customers: number;
  today: string;
  clock: Clock;
}): Promise<DemoErp> {
  return options.kind === "rest" ? startRest(options) : startSapB1(options);
}

async function startRest(options: { customers: number; today: string; clock: Clock }): Promise<DemoErp> {
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

/** SAP Business One: the Service Layer fake (CAP over the real metadata) and @regua/connector-sap-b1. */
async function startSapB1(options: { customers: number; today: string }): Promise<DemoErp> {
  const credentials = { user: "manager", password: "demo-sap-password", companyDb: "SBODEMOBR" };
  const sl = await startFakeServiceLayer({
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
