import type { RawRequest } from "@regua/core";
import { expect, type TestContext } from "vitest";
import { ChannelEventSchema } from "../../schemas.js";
import { type ChannelHarness, defineChannelSuite } from "./harness.js";

const noWebhook = (h: ChannelHarness) =>
  h.capabilities.statuses || h.capabilities.inbound ? undefined : "neither statuses nor inbound declared";

/** A genuine signed request for a sent message; the hook is required once a webhook is declared. */
async function genuine(h: ChannelHarness, ctx: TestContext) {
  const webhook = h.channel().webhook;
  if (!webhook) return ctx.skip("the instance has no webhook");
  expect(h.webhookRequest, "webhookRequest is required for a channel with a webhook").toBeDefined();
  const request = await h.webhookRequest!(await h.sendOnce());
  return { webhook, request };
}

/** Webhooks are the internet's input: only the provider's signed bytes get through. */
export const webhookSuite = defineChannelSuite("webhook", {
  rejectsForged: {
    title: "webhook: rejects a body changed after signing",
    skipUnless: noWebhook,
    async run(h, ctx) {
      const { webhook, request } = await genuine(h, ctx);
      const forged: RawRequest = { ...request, rawBody: Buffer.concat([request.rawBody, Buffer.from(" ")]) };
      expect(webhook.verify(forged), "a body changed after signing").toBe(false);
    },
  },
  rejectsUnsigned: {
    title: "webhook: rejects a request without its signature",
    skipUnless: noWebhook,
    async run(h, ctx) {
      const { webhook, request } = await genuine(h, ctx);
      const unsigned: RawRequest = { ...request, headers: { "content-type": "application/json" }, query: {} };
      expect(webhook.verify(unsigned), "a request without its signature").toBe(false);
    },
  },
  parsesGenuine: {
    title: "webhook: accepts a genuine request and parses it into canonical events",
    skipUnless: noWebhook,
    async run(h, ctx) {
      const { webhook, request } = await genuine(h, ctx);
      expect(webhook.verify(request), "the genuine request").toBe(true);
      const events = webhook.parse(request);
      expect(events.length).toBeGreaterThan(0);
      for (const event of events) {
        const parsed = ChannelEventSchema.safeParse(event);
        expect(parsed.error?.issues ?? [], JSON.stringify(event)).toEqual([]);
      }
    },
  },
});
