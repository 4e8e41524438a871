import { defineConfig } from "vitest/config";

// Each test file starts a fake Odoo; allow for a busy machine (2 cores shared).
export default defineConfig({
  test: { testTimeout: 30_000, hookTimeout: 60_000 },
});
