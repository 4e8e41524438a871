import { PermanentError } from "@regua/core";
import {
  createMemoryChannel,
  createMemoryConnector,
  describeChannelConformance,
  describeConnectorConformance,
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
});

const memoryChannel = createMemoryChannel();

describeChannelConformance({
  name: "memory channel",
  definition: memoryChannel.definition,
  setup: () => memoryChannel,
  options: {},
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
