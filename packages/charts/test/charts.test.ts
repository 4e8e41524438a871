import { describe, expect, it } from "vitest";
import { type ChartSpec, renderChartSvg, svgToPng } from "../src/index.js";

const spec: ChartSpec = {
  id: "recovery",
  title: "Recovered after each step",
  description: "d+1: 80% paid within 7 days.",
  kind: "line",
  categories: ["0", "1", "2"],
  xLabel: "days after the message",
  yLabel: "share paid",
  yFormat: "percent",
  series: [
    { name: "d+1", values: [0, 0.5, 0.8] },
    { name: "d+7 & <late>", values: [0, 0.1, null] },
  ],
};

describe("renderChartSvg", () => {
  it("draws an SVG with its title, description, legend and axis labels", () => {
    const svg = renderChartSvg(spec);
    expect(svg).toMatch(/^<svg id="recovery" role="img" aria-labelledby="recovery-title recovery-desc" /);
    expect(svg).toContain('<title id="recovery-title">Recovered after each step</title>');
    expect(svg).toContain("d+7 &amp; &lt;late&gt;");
    expect(svg).toContain(">80%<");
    expect(svg).toContain("days after the message");
    expect(svg.match(/<path [^>]*stroke="#0072B2"/g)?.length).toBeGreaterThan(0);
  });

  it("stacks bars and turns the SVG into a PNG a mail client shows", () => {
    const svg = renderChartSvg({ ...spec, id: "aging", kind: "stacked-bar", yFormat: "number" });
    const png = svgToPng(svg, 400);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(400);
  });
});
