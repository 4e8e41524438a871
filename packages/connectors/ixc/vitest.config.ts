import { defineConfig } from "vitest/config";

// The cycle test runs the engine on SQLite against two fakes: allow for a busy machine.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
});
