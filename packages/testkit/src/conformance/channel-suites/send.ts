import { expect } from "vitest";
import { HealthSchema } from "../../schemas.js";
import { defineChannelSuite } from "./harness.js";

/** A send the provider accepts yields the id its status webhooks will name. */
export const sendSuite = defineChannelSuite("send", {
  providerMessageId: {
    title: "sends and returns a provider message id",
    async run(h) {
      const sent = await h.sendOnce();
      expect(typeof sent.providerMessageId).toBe("string");
      expect(sent.providerMessageId.length).toBeGreaterThan(0);
    },
  },
});

/** The health check answers in the core shape and is ok against a working provider. */
export const channelHealthSuite = defineChannelSuite("health", {
  passes: {
    title: "passes its health check",
    async run(h) {
      const health = await h.channel().healthCheck();
      expect(HealthSchema.safeParse(health).success, JSON.stringify(health)).toBe(true);
      expect(health.ok, health.detail).toBe(true);
    },
  },
});
