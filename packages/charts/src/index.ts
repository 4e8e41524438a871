import { Resvg } from "@resvg/resvg-js";
import { BarChart, LineChart } from "echarts/charts";
import { GridComponent, LegendComponent, TitleComponent } from "echarts/components";
import * as echarts from "echarts/core";
import { SVGRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, GridComponent, LegendComponent, TitleComponent, SVGRenderer]);

/**
 * A chart as the reports describe it; what ECharts makes of it stays in this package, so the
 * runner never depends on ECharts' option types.
 */
export interface ChartSpec {
  /** Becomes the SVG's id prefix; letters, digits and - only. */
  id: string;
  title: string;
  /** One or two sentences a screen reader reads instead of the picture. */
  description: string;
  kind: "line" | "stacked-bar" | "bar";
  /** The x axis, left to right. */
  categories: string[];
  xLabel: string;
  yLabel: string;
  /** How y values print: 0.42 → "42%" for "percent". */
  yFormat: "percent" | "number";
  series: { name: string; values: (number | null)[] }[];
  width?: number;
  height?: number;
}

/** Colour-blind safe (Okabe-Ito), in series order. */
const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];

const escapeXml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );

function option(spec: ChartSpec): echarts.EChartsCoreOption {
  const percent = spec.yFormat === "percent";
  return {
    animation: false,
    color: PALETTE,
    textStyle: { fontFamily: "DejaVu Sans, Arial, sans-serif" },
    title: { text: spec.title, left: 8, top: 4, textStyle: { fontSize: 15 } },
    legend: { top: 30, left: 8, type: "plain" },
    grid: { left: 64, right: 24, top: 72, bottom: 48 },
    xAxis: {
      type: "category",
      data: spec.categories,
      name: spec.xLabel,
      nameLocation: "middle",
      nameGap: 30,
    },
    yAxis: {
      type: "value",
      name: spec.yLabel,
      nameLocation: "end",
      ...(percent ? { max: 1, axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` } } : {}),
    },
    series: spec.series.map((s) => ({
      name: s.name,
      type: spec.kind === "line" ? "line" : "bar",
      data: s.values,
      ...(spec.kind === "stacked-bar" ? { stack: "total" } : {}),
      ...(spec.kind === "line" ? { symbolSize: 6, lineStyle: { width: 3 } } : {}),
    })),
  };
}

/**
 * Server-side SVG (ECharts SSR, no DOM: https://echarts.apache.org/handbook/en/how-to/cross-platform/server/),
 * labelled for assistive technology: role="img", a <title> and a <desc>.
 */
export function renderChartSvg(spec: ChartSpec): string {
  const chart = echarts.init(null, null, {
    renderer: "svg",
    ssr: true,
    width: spec.width ?? 640,
    height: spec.height ?? 320,
  });
  try {
    chart.setOption(option(spec));
    const svg = chart.renderToSVGString();
    const titleId = `${spec.id}-title`;
    const descId = `${spec.id}-desc`;
    return svg
      .replace(/^<svg /, `<svg id="${spec.id}" role="img" aria-labelledby="${titleId} ${descId}" `)
      .replace(
        /(<svg[^>]*>)/,
        `$1<title id="${titleId}">${escapeXml(spec.title)}</title><desc id="${descId}">${escapeXml(spec.description)}</desc>`,
      );
  } finally {
    chart.dispose();
  }
}

/**
 * PNG of an SVG chart for e-mail: most mail clients (Gmail, Outlook) show neither inline SVG nor
 * SVG images, but all show a PNG attached inline (cid:). resvg draws with the system fonts.
 * https://github.com/yisibl/resvg-js
 */
export function svgToPng(svg: string, width = 1280): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    background: "#ffffff",
    font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" },
  });
  return resvg.render().asPng();
}
