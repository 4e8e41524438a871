import { DEFAULT_CANAL, type FakeOpa, startFakeOpa } from "@regua/test-fixtures/opa";
import { defaultChannelSuites, describeChannelConformance, webhookSuite } from "@regua/testkit";
import { opaChannel } from "../src/index.js";

const TOKEN = "opa-conformance-token";

describeChannelConformance<typeof opaChannel.optionsSchema, FakeOpa>({
  name: "Opa! Suite against the fake Opa API",
  definition: opaChannel,
  setup: () => startFakeOpa({ token: TOKEN }),
  teardown: (opa) => opa.close(),
  options: (opa) => ({ baseUrl: opa.url, token: TOKEN, channelId: DEFAULT_CANAL }),
  // A template the fake holds, addressed by its atalho, with its three variables.
  message: () => ({
    actionKey: "conformance-1",
    to: "+5547999123456",
    template: {
      name: "baixa_pagamento",
      language: "pt_BR",
      body: [
        { type: "text", text: "Maria" },
        { type: "currency", amount: { amountMinor: 9990, currency: "BRL" }, fallback: "R$ 99,90" },
      ],
    },
    preview: "baixa_pagamento → +5547999123456",
  }),
  providerError(opa) {
    opa.failNext(400, "Template inválido para o canal");
    return { expectCode: "VALIDATION" };
  },
  suites: [
    ...defaultChannelSuites().filter((suite) => suite.name !== "webhook"),
    webhookSuite({
      disable: { ALL: "Opa! Suite publishes no signed delivery webhook; statuses are polled" },
    }),
  ],
});
