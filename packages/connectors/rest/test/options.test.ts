import { describe, expect, it } from "vitest";
import connector, { restErpPreset } from "../src/index.js";
import { formatSince } from "../src/paging.js";

describe("options", () => {
  it("accepts the fake REST ERP preset and fills the defaults", () => {
    const options = connector.optionsSchema.parse(restErpPreset("http://127.0.0.1:9", "t"));
    expect(options.retry).toEqual({ attempts: 4, baseMs: 500, maxMs: 30_000, maxRetryAfterMs: 60_000 });
    expect(options.resources.invoices.paging).toMatchObject({ style: "page", size: 100, firstPage: 1 });
  });

  it("names the missing field and the bad paging style, and refuses unknown options", () => {
    const preset = restErpPreset("http://127.0.0.1:9", "t");
    const { dueDate: _dropped, ...fields } = preset.resources.invoices.fields;
    const result = connector.optionsSchema.safeParse({
      ...preset,
      tokne: "typo",
      resources: {
        ...preset.resources,
        invoices: { ...preset.resources.invoices, fields, paging: { style: "pages" } },
      },
    });
    const issues = result.error?.issues.map((i) => `${i.path.join(".")}: ${i.code}`).sort();
    expect(issues).toEqual([
      ": unrecognized_keys",
      "resources.invoices.fields.dueDate: invalid_type",
      "resources.invoices.paging.style: invalid_union",
    ]);
  });

  it("requires {id} in the getInvoice path", () => {
    const result = connector.optionsSchema.safeParse({
      ...restErpPreset("http://127.0.0.1:9", "t"),
      getInvoice: { path: "/api/invoices" },
    });
    expect(result.error?.issues[0]?.message).toBe("must contain {id}");
  });
});

describe("change marker", () => {
  it("writes the change marker in each format; a date starts a day early", () => {
    const since = "2026-03-14T02:30:00.000Z"; // 23:30 on the 13th in São Paulo
    expect(formatSince(since, "iso")).toBe(since);
    expect(formatSince(since, "date")).toBe("2026-03-13");
    expect(formatSince(since, "unix")).toBe(1773455400);
    expect(formatSince(since, "unix_ms")).toBe(1773455400000);
  });
});
