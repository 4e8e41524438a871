import { describe, expect, it } from "vitest";
import {
  CONNECTOR_SUITES,
  createMemoryConnector,
  describeConnectorConformance,
  healthSuite,
  listSuite,
} from "../src/index.js";
import { sampleData } from "./data.js";

describe("conformance suite opt-outs", () => {
  it("a disabled test needs a written reason", () => {
    expect(() => listSuite({ disable: { multiplePages: "" } })).toThrow(/needs a written reason/);
    expect(() => healthSuite({ disable: { ALL: " " } })).toThrow(/needs a written reason/);
  });

  it("names the suite's tests when asked to disable one it does not have", () => {
    // @ts-expect-error: disable keys are typed by the suite's own test names
    expect(() => listSuite({ disable: { pagesWithoutGaps: "renamed" } })).toThrow(
      /cannot disable "pagesWithoutGaps", the suite has customers, invoices, payments, noDuplicates, complete, multiplePages/,
    );
  });

  it("keeps the reason of each disabled test", () => {
    const suite = listSuite({ disable: { payments: "the ERP has no payments endpoint" } });
    expect(suite.disabled).toEqual({ payments: "the ERP has no payments endpoint" });
  });

  it("refuses a suites list that leaves a standard suite out instead of disabling it", () => {
    const memory = createMemoryConnector(sampleData());
    expect(() =>
      describeConnectorConformance({
        name: "incomplete",
        definition: memory.definition,
        options: {},
        suites: CONNECTOR_SUITES.filter((s) => s !== healthSuite).map((s) => s()),
      }),
    ).toThrow(/suites lack health; add them, or opt out with <suite>\(\{ disable: \{ ALL: "why" \} \}\)/);
  });
});
