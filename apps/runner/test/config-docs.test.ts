import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { renderConfigReference } from "../src/config-docs.js";

it("docs/configuration.md is up to date with the config schema (run `pnpm docs:config`)", () => {
  const committed = readFileSync(new URL("../../../docs/configuration.md", import.meta.url), "utf8");
  expect(committed).toBe(renderConfigReference());
});
