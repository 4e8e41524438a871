import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { createMetrics } from "../src/metrics.js";

/** The shape Prometheus reads (rule_files): https://prometheus.io/docs/prometheus/latest/configuration/alerting_rules/ */
const RulesFile = z.strictObject({
  groups: z.array(
    z.strictObject({
      name: z.string().min(1),
      rules: z.array(
        z.strictObject({
          alert: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/),
          expr: z.string().min(1),
          for: z
            .string()
            .regex(/^\d+[smhd]$/)
            .optional(),
          labels: z.object({ severity: z.enum(["critical", "warning", "info"]) }),
          annotations: z.object({ summary: z.string().min(1) }).catchall(z.string()),
        }),
      ),
    }),
  ),
});

const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

it("docs/alerts/prometheus-rules.yml parses and uses only metrics the runner exports", async () => {
  const text = readFileSync(new URL("../../../docs/alerts/prometheus-rules.yml", import.meta.url), "utf8");
  const file = RulesFile.parse(parse(text));
  const rules = file.groups.flatMap((g) => g.rules);
  expect(rules.length).toBeGreaterThanOrEqual(8);
  expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);

  const exported = new Set((await createMetrics().registry.getMetricsAsJSON()).map((m) => m.name));
  const used = new Set(rules.flatMap((r) => r.expr.match(/\bregua_[a-z0-9_]+/g) ?? []));
  expect(used.size).toBeGreaterThanOrEqual(7);
  const unknown = [...used].filter(
    (name) => !exported.has(name) && !exported.has(name.replace(HISTOGRAM_SUFFIX, "")),
  );
  expect(unknown).toEqual([]);
  // A typo such as regua_sync_error_total would be caught: the check is not vacuous.
  expect(exported.has("regua_sync_error_total")).toBe(false);
});
