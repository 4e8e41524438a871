import { defineConfig } from "vitest/config";

// Runs only the deliberately broken plugins, from test/suites-can-fail.test.ts.
export default defineConfig({
  test: { include: ["test/broken/*.suite.ts"], root: new URL("../..", import.meta.url).pathname },
});
