import { expect } from "vitest";
import { HealthSchema } from "../../schemas.js";
import { defineConnectorSuite } from "./harness.js";

/** The health check answers in the core shape and is ok against a working system. */
export const healthSuite = defineConnectorSuite("health", {
  passes: {
    title: "passes its health check",
    async run(h) {
      const health = await h.connector().healthCheck();
      expect(HealthSchema.safeParse(health).success, JSON.stringify(health)).toBe(true);
      expect(health.ok, health.detail).toBe(true);
    },
  },
});
