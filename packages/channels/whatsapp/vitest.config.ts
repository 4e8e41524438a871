import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every test drives the fake Graph API over real HTTP (server start, webhooks back to a
    // receiver). Idle, each takes well under a second; on a loaded 2-core CI machine the first
    // test of a file has been seen at 5-7 s, past vitest's 5 s default. Timing is never the
    // assertion here (rate limits run on the injected clock), so the limit is only a hang guard.
    testTimeout: 30_000,
    // Starting the fake in beforeAll has taken over 10 s with every core busy: the same guard.
    hookTimeout: 60_000,
  },
});
