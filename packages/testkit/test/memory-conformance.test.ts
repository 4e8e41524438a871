import { PermanentError } from "@regua/core";
import { CONNECTOR_SUITES } from "../src/conformance/connector-suites/index.js";
import {
  createMemoryChannel,
  createMemoryConnector,
  defaultChannelSuites,
  describeChannelConformance,
  describeConnectorConformance,
  listSuite,
} from "../src/index.js";
import { sampleData } from "./data.js";

const memoryConnector = createMemoryConnector(sampleData(), { pageSize: 3, token: "s3cret" });

describeConnectorConformance({
  name: "memory connector",
  definition: memoryConnector.definition,
  setup: () => memoryConnector,
  options: { token: "s3cret" },
  badCredentials: { token: "wrong" },
  mutate: (memory, invoice) => memory.markPaid(invoice.externalId),
  holds: (memory) => memory.ids(),
  remove: (memory, invoice) => memory.remove("invoices", invoice.externalId),
});

// The same connector without the hooks the change and auth checks need, and with one test
// disabled: the report shows each of these as a skipped test whose title carries the reason.
const bare = createMemoryConnector(sampleData(), { pageSize: 3 });
describeConnectorConformance({
  name: "memory connector without hooks",
  definition: bare.definition,
  setup: () => bare,
  options: {},
  suites: CONNECTOR_SUITES.map((suite) =>
    suite === listSuite
      ? listSuite({ disable: { multiplePages: "shows how an opt-out reads in the report" } })
      : suite(),
  ),
});

const memoryChannel = createMemoryChannel();

describeChannelConformance({
  name: "memory channel",
  definition: memoryChannel.definition,
  setup: () => memoryChannel,
  options: {},
  suites: defaultChannelSuites(),
  webhookRequest: (memory, sent) => memory.emitStatus(sent.providerMessageId, "delivered").request,
  providerError: (memory) => {
    memory.failNext(
      new PermanentError("recipient not on WhatsApp", {
        provider: { system: "memory", code: "131026", message: "Message undeliverable" },
      }),
    );
    return { expectCode: "PERMANENT" };
  },
});
