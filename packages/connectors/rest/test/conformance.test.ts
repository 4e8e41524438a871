import { startFakeRestErp } from "@regua/test-fixtures/rest-erp";
import { defaultConnectorSuites, describeConnectorConformance } from "@regua/testkit";
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
  holds: (erp) => ({
    customers: erp.data.customers.map((c) => String(c.id)),
    invoices: erp.data.invoices.map((i) => String(i.id)),
    payments: erp.data.payments.map((p) => String(p.id)),
  }),
  // A hard delete: the invoice is gone from every listing.
  remove: (erp, invoice) => erp.remove("invoices", invoice.externalId),
  // Every standard suite, none disabled (opt-outs would be listed here with their reasons).
  suites: defaultConnectorSuites(),
});
