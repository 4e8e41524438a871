import { describe, expect, it } from "vitest";
import { EXPERIMENTS, formatResult, runExperiment, SHORT } from "../chaos/chaos.js";

/**
 * The short variant of `pnpm chaos` (issue 18): the real CLI processes against the fakes,
 * killed, stopped and starved; the fakes count what arrived by action key. Each experiment
 * must end with every planned message received exactly once, nothing failed, every send
 * written back to the ERP, and every SIGTERM that the CLI handled ending with exit code 0.
 */
describe("pnpm chaos --short", () => {
  for (const experiment of EXPERIMENTS) {
    it(`${experiment.name}: 0 duplicates, 0 lost, 0 wrongly failed, 0 activities missing`, async () => {
      const result = await runExperiment(experiment, SHORT);
      expect(formatResult(result)).toBe(
        `chaos ${experiment.name}: ${result.planned} planned, ${result.planned} received, ` +
          "0 duplicates, 0 lost, 0 wrongly failed, 0 activities missing",
      );
      expect(result.planned).toBeGreaterThan(0);
      expect(result).toMatchObject({ converged: true, badExits: 0 });
    }, 300_000);
  }
});
