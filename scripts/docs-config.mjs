#!/usr/bin/env node
// Writes docs/configuration.md from the runner's zod config schema (after `pnpm build`).
import { writeFileSync } from "node:fs";
import { renderConfigReference } from "../apps/runner/dist/config-docs.js";

writeFileSync(new URL("../docs/configuration.md", import.meta.url), renderConfigReference());
console.log("wrote docs/configuration.md");
