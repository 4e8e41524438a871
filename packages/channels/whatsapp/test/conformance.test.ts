import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RawRequest } from "@regua/core";
import { DEFAULT_TEMPLATES, type FakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { defaultChannelSuites, describeChannelConformance } from "@regua/testkit";
import { whatsappChannel } from "../src/index.js";
import { APP_SECRET, PHONE_NUMBER_ID, startFake, TOKEN, VERIFY_TOKEN } from "./helpers.js";

interface Fixture {
  fake: FakeGraphApi;
  /** Webhook requests exactly as the fake posted them (raw body and headers). */
  captured: RawRequest[];
  server: Server;
}

describeChannelConformance<typeof whatsappChannel.optionsSchema, Fixture>({
  name: "WhatsApp Cloud API against the fake Graph API",
  definition: whatsappChannel,
  async setup() {
    const captured: RawRequest[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        captured.push({
          method: "POST",
          path: req.url ?? "/",
          headers: req.headers,
          query: {},
          rawBody: Buffer.concat(chunks),
        });
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fake = await startFake({
      webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp/conformance`,
      templates: [
        ...DEFAULT_TEMPLATES,
        { name: "regua_lembrete", language: "pt_BR", body: "Olá {{1}}, sua fatura de {{2}} vence hoje." },
      ],
    });
    return { fake, captured, server };
  },
  async teardown({ fake, server }) {
    await fake.close();
    server.close();
  },
  options: ({ fake }) => ({
    phoneNumberId: PHONE_NUMBER_ID,
    token: TOKEN,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    baseUrl: fake.url,
  }),
  async webhookRequest({ fake, captured }, sent) {
    await fake.idle();
    const forMessage = captured.find((req) => req.rawBody.toString().includes(sent.providerMessageId));
    if (!forMessage) throw new Error(`the fake posted no status webhook for ${sent.providerMessageId}`);
    return forMessage;
  },
  // Every standard suite, none disabled (opt-outs would be listed here with their reasons).
  suites: defaultChannelSuites(),
  providerError({ fake }) {
    fake.inject(131026);
    return { expectCode: "PERMANENT" };
  },
});
