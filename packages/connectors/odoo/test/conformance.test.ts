import { type FakeOdoo, type OdooVersion, startFakeOdoo } from "@regua/test-fixtures/odoo";
import { defaultConnectorSuites, describeConnectorConformance } from "@regua/testkit";
import connector from "../src/index.js";

const KEY = "6578616d706c65206a736f6e20617069206b6579";

// XML-RPC on 17 (password) and 18 (API key, no res.partner.mobile), JSON-2 on 19 (API key).
const CASES: { version: OdooVersion; secret: { password: string } | { apiKey: string }; protocol: string }[] =
  [
    { version: "17.0", secret: { password: "conformance-pw" }, protocol: "XML-RPC" },
    { version: "18.0", secret: { apiKey: KEY }, protocol: "XML-RPC" },
    { version: "19.0", secret: { apiKey: KEY }, protocol: "JSON-2" },
  ];

for (const { version, secret, protocol } of CASES) {
  describeConnectorConformance<typeof connector.optionsSchema, FakeOdoo>({
    name: `Odoo ${version} over ${protocol} against the fake`,
    definition: connector,
    setup: () =>
      startFakeOdoo({
        seed: 7,
        customers: 12,
        today: "2026-03-15",
        version,
        password: "conformance-pw",
        apiKey: KEY,
      }),
    teardown: (fake) => fake.close(),
    options: (fake) => ({ url: fake.url, database: fake.database, login: "admin", pageSize: 7, ...secret }),
    badCredentials: (fake) => ({
      url: fake.url,
      database: fake.database,
      login: "admin",
      ...("password" in secret ? { password: "wrong" } : { apiKey: "0000wrong" }),
    }),
    mutate: (fake, invoice) => {
      fake.registerPayment(Number(invoice.externalId));
    },
    remove: (fake, invoice) => fake.cancel(Number(invoice.externalId)),
    // Every standard suite, none disabled.
    suites: defaultConnectorSuites(),
  });
}
