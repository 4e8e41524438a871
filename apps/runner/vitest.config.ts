import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Several files start real servers (fake ERP, fake Graph API, CAP for SAP B1) and SQLite
    // stores: generous limits for a loaded CI machine.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
