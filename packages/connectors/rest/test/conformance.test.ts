import { startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import {
  capabilitiesSuite,
  describeConnectorConformance,
  errorMappingSuite,
  getInvoiceSuite,
  healthSuite,
  listSuite,
  resumeSuite,
  writeBackIdempotencySuite,
} from "@regua/testkit";
import connector, { restErpPreset } from "../src/index.js";

const TOKEN = "conformance-token";

describeConnectorConformance({
  name: "REST connector against the fake REST ERP",
  definition: connector,
  setup: () => startFakeRestErp({ seed: 42, customers: 15, today: "2026-03-15", token: TOKEN }),
  teardown: (erp) => erp.close(),
  options: (erp) => restErpPreset(erp.url, TOKEN, 7),
  badCredentials: (erp) => restErpPreset(erp.url, "not-the-token", 7),
  mutate: (erp, invoice) => {
    erp.markPaid(invoice.externalId, "2026-03-16");
  },
  suites: [
    capabilitiesSuite(),
    healthSuite(),
    listSuite(),
    resumeSuite(),
    getInvoiceSuite(),
    writeBackIdempotencySuite(),
    errorMappingSuite(),
  ],
});
