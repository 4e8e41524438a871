import { type FakeQuickBooks, startFakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { defaultConnectorSuites, describeConnectorConformance } from "@regua/testkit";
import connector from "../src/index.js";
import { optionsFor, TODAY, todayClock } from "./support.js";

const clock = todayClock();

describeConnectorConformance<typeof connector.optionsSchema, FakeQuickBooks>({
  name: "QuickBooks Online against the fake v3 API",
  definition: connector,
  setup: () =>
    startFakeQuickBooks({ seed: 7, customers: 12, today: TODAY, limits: false, now: () => clock.now() }),
  context: { clock },
  teardown: (fake) => fake.close(),
  options: (fake) => optionsFor(fake),
  // A company this app was never connected to: the token endpoint refuses the refresh token.
  badCredentials: (fake) => ({
    ...optionsFor(fake),
    realmId: "4620816365000000",
    refreshToken: "AB11-never-issued",
  }),
  mutate: (fake, invoice) => {
    const open = fake.company.Invoice.find((i) => i.Id === invoice.externalId);
    if (open && open.Balance > 0) fake.payInvoice(invoice.externalId, "2026-03-16");
    else fake.touchInvoice(invoice.externalId);
  },
  remove: (fake, invoice) => fake.deleteInvoice(invoice.externalId),
  // Every standard suite; lookups is not declared (QuickBooks masks tax ids on some companies).
  suites: defaultConnectorSuites(),
});
