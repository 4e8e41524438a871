import { describeConnectorConformance } from "@regua/testkit";
import connector from "../src/index.js";
import { type FakeAcme, startFakeAcme } from "./fake-acme.js";

const TOKEN = "conformance-token";

// régua's conformance suites against the fake: records parse with the core schemas, paging has
// no gaps or duplicates and resumes from any cursor, changes and deletions are seen, write-back
// is idempotent, errors map to core errors. Opt out of a check only with a written reason.
describeConnectorConformance<typeof connector.optionsSchema, FakeAcme>({
  name: "Acme ERP against its fake",
  definition: connector,
  setup: () => startFakeAcme({ token: TOKEN }),
  teardown: (fake) => fake.close(),
  options: (fake) => ({ baseUrl: fake.url, token: TOKEN, pageSize: 4, requestsPerSecond: 100 }),
  badCredentials: (fake) => ({ baseUrl: fake.url, token: "not-the-token" }),
  mutate: (fake, invoice) => fake.markPaid(invoice.externalId),
  holds: (fake) => ({
    customers: fake.customers.map((c) => c.id),
    invoices: fake.invoices.map((i) => i.id),
    payments: fake.payments.map((p) => p.id),
  }),
  remove: (fake, invoice) => fake.cancel(invoice.externalId),
});
