import { type FakeIxc, startFakeIxc } from "@regua/test-fixtures/ixc";
import { defaultConnectorSuites, describeConnectorConformance } from "@regua/testkit";
import connector from "../src/index.js";

const AUTH = { user: "12", token: "conformance-token" };
const TICKET = { idAssunto: "7", idTicketSetor: "3" };

describeConnectorConformance<typeof connector.optionsSchema, FakeIxc>({
  name: "IXC Provedor webservice against the fake IXC",
  definition: connector,
  setup: () => startFakeIxc({ seed: 36, customers: 12, today: "2026-03-15", ...AUTH }),
  teardown: (ixc) => ixc.close(),
  options: (ixc) => ({ baseUrl: ixc.url, pageSize: 7, ticket: TICKET, userId: AUTH.user, token: AUTH.token }),
  badCredentials: (ixc) => ({ baseUrl: ixc.url, userId: AUTH.user, token: "not-the-token" }),
  mutate: (ixc, invoice) => {
    ixc.markPaid(invoice.externalId, "2026-03-16");
  },
  remove: (ixc, invoice) => {
    ixc.cancel(invoice.externalId, "2026-03-16");
  },
  // Every standard suite, none disabled.
  suites: defaultConnectorSuites(),
});
