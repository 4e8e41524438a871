import { defineConfig } from "vitest/config";

// Each test file starts the fake Service Layer (CAP in a worker thread): allow for a busy machine.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
});
