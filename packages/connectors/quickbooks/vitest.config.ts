import { defineConfig } from "vitest/config";

// Every test file starts its own fake QuickBooks over HTTP: allow for a busy machine.
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 30_000 },
});
