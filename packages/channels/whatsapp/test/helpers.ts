import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ChannelEvent, Clock, RawRequest } from "@regua/core";
import {
  type FakeGraphApi,
  type FakeGraphApiOptions,
  startFakeGraphApi,
} from "@regua/test-fixtures/whatsapp";
import { createTestContext, MemoryKeyValueState } from "@regua/testkit";
import type { WhatsAppChannel, WhatsAppOptionsInput } from "../src/index.js";
import { whatsappChannel } from "../src/index.js";

export const TOKEN = "EAAGtest.Token-123";
export const APP_SECRET = "s3cr3t-app";
export const PHONE_NUMBER_ID = "106540352242922";
export const WABA_ID = "102290129340398";
export const VERIFY_TOKEN = "regua-verify";

export async function startFake(overrides: Partial<FakeGraphApiOptions> = {}): Promise<FakeGraphApi> {
  return startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    wabaId: WABA_ID,
    clockSpeed: 200,
    duplicateRate: 0,
    outOfOrderRate: 0,
    seed: 7,
    ...overrides,
  });
}

export interface ChannelUnderTest {
  channel: WhatsAppChannel;
  state: MemoryKeyValueState;
}

export async function createChannel(
  fake: FakeGraphApi,
  overrides: Partial<WhatsAppOptionsInput> = {},
  clock?: Clock,
): Promise<ChannelUnderTest> {
  const options = whatsappChannel.optionsSchema.parse({
    phoneNumberId: PHONE_NUMBER_ID,
    token: TOKEN,
    appSecret: APP_SECRET,
    verifyToken: VERIFY_TOKEN,
    wabaId: WABA_ID,
    baseUrl: fake.url,
    ...overrides,
  });
  const state = new MemoryKeyValueState();
  const channel = (await whatsappChannel.create(
    options,
    createTestContext({ state, ...(clock ? { clock } : {}) }),
  )) as WhatsAppChannel;
  return { channel, state };
}

/**
 * A webhook endpoint on 127.0.0.1 that does what the runner does: raw body → verify → parse.
 * Rejected (unverified) requests are counted, parsed events collected.
 */
export interface WebhookReceiver {
  url: string;
  events: ChannelEvent[];
  rejected: number;
  close(): Promise<void>;
}

export async function startReceiver(channel: WhatsAppChannel): Promise<WebhookReceiver> {
  const receiver: WebhookReceiver = { url: "", events: [], rejected: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const raw: RawRequest = {
        method: req.method ?? "POST",
        path: req.url ?? "/",
        headers: req.headers,
        query: {},
        rawBody: Buffer.concat(chunks),
      };
      if (!channel.webhook?.verify(raw)) {
        receiver.rejected += 1;
        res.statusCode = 401;
        return res.end();
      }
      receiver.events.push(...(channel.webhook?.parse(raw) ?? []));
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/whatsapp/wa`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

export { failureOf as captureError } from "@regua/testkit";

/** A webhook POST as Meta sends it: the JSON body signed with the app secret. */
export function signedWebhook(payload: unknown, secret = APP_SECRET): RawRequest {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  return {
    method: "POST",
    path: "/webhooks/whatsapp/wa",
    headers: {
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
      "content-type": "application/json",
    },
    query: {},
    rawBody: Buffer.from(body),
  };
}
