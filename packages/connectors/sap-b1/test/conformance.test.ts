import { type FakeServiceLayer, startFakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { defaultConnectorSuites, describeConnectorConformance } from "@regua/testkit";
import connector from "../src/index.js";

const LOGIN = { user: "manager", password: "conformance-pw", companyDb: "SBODEMOBR" };

for (const version of ["v1", "v2"] as const) {
  describeConnectorConformance<typeof connector.optionsSchema, FakeServiceLayer>({
    name: `SAP B1 Service Layer ${version} against the CAP-served fake`,
    definition: connector,
    setup: () => startFakeServiceLayer({ seed: 7, customers: 12, today: "2026-03-15", version, ...LOGIN }),
    teardown: (fake) => fake.close(),
    options: (fake) => ({ baseUrl: fake.url, version, pageSize: 7, ...LOGIN }),
    badCredentials: (fake) => ({ baseUrl: fake.url, version, ...LOGIN, password: "wrong" }),
    mutate: (fake, invoice) => fake.markPaid(Number(invoice.externalId), "2026-03-16"),
    remove: async (fake, invoice) => {
      await fake.cancelInvoice(Number(invoice.externalId), "2026-03-16");
    },
    // Every standard suite, none disabled (opt-outs would be listed here with their reasons).
    suites: defaultConnectorSuites(),
  });
}
