import { isReguaError } from "@regua/core";
import { expect } from "vitest";
import { captureError, explain } from "../shared.js";
import { defineChannelSuite } from "./harness.js";

/** A provider's refusal reaches the engine as a core error that keeps the provider's own code. */
export const channelErrorMappingSuite = defineChannelSuite("errorMapping", {
  providerCode: {
    title: "surfaces a provider error as a core error with the provider's code",
    skipUnless: (h) => (h.providerError ? undefined : "no providerError hook"),
    async run(h) {
      const failure = await h.providerError!();
      const error = await captureError(() => h.channel().send(failure.message ?? h.message()));
      expect(isReguaError(error), explain(error)).toBe(true);
      if (!isReguaError(error)) return;
      if (failure.expectCode) expect(error.code, explain(error)).toBe(failure.expectCode);
      expect(error.provider?.system, explain(error)).toBeTruthy();
      expect(error.provider?.code, explain(error)).toBeDefined();
    },
  },
});
