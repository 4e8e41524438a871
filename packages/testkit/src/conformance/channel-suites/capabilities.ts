import { expect } from "vitest";
import { defineChannelSuite } from "./harness.js";

/** What the dispatcher relies on before the first send: a finite rate and honest capabilities. */
export const channelCapabilitiesSuite = defineChannelSuite("capabilities", {
  rateLimit: {
    title: "declares a positive, finite rate limit",
    run(h) {
      const { perSecond } = h.channel().rateLimit;
      expect(perSecond).toBeGreaterThan(0);
      expect(Number.isFinite(perSecond)).toBe(true);
    },
  },
  honest: {
    title: "declares honest capabilities: statuses and inbound come with a webhook",
    run(h) {
      const channel = h.channel();
      expect(channel.capabilities, "the instance matches its definition").toEqual(h.capabilities);
      if (channel.capabilities.statuses || channel.capabilities.inbound) {
        expect(typeof channel.webhook?.verify, "statuses/inbound need a webhook").toBe("function");
        expect(typeof channel.webhook?.parse, "statuses/inbound need a webhook").toBe("function");
      }
    },
  },
});
