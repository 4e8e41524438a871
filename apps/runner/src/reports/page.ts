import { type Clock, type DunningStore, fromZodError } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { reportCharts } from "./charts.js";
import { buildReportData } from "./figures.js";
import { escapeHtml, reportPageHtml } from "./html.js";
import type { ChartsKit } from "./load-charts.js";
import { ReportsConfig } from "./schema.js";

const PageQuery = z.strictObject({ period: z.enum(["day", "week"]).default("week") });

export interface ReportsPageOptions {
  store: DunningStore;
  clock: Clock;
  /** `reports:` from regua.yaml; the page works without it (no prices: no cost figures). */
  config?: ReportsConfig | undefined;
  loadCharts: () => Promise<ChartsKit>;
}

/** GET /reports: the scheduled report's figures and charts, drawn on the server (inside the admin scope). */
export function registerReportsPage(app: FastifyInstance, o: ReportsPageOptions): void {
  const config = o.config ?? ReportsConfig.parse({});
  app.get("/reports", async (req, reply) => {
    const query = PageQuery.safeParse(req.query);
    if (!query.success) return reply.code(400).send({ error: fromZodError(query.error, "query").message });
    const kind = query.data.period;
    const data = await buildReportData(o.store, { now: o.clock.now().toISOString(), kind, config });
    const kit = await o.loadCharts();
    const charts = reportCharts(data).map((spec) => ({ spec, svg: kit.renderChartSvg(spec) }));
    const links = (["day", "week"] as const)
      .map((p) =>
        p === kind
          ? `<a href="?period=${p}" aria-current="page">${escapeHtml(p === "day" ? "Yesterday" : "Last 7 days")}</a>`
          : `<a href="?period=${p}">${escapeHtml(p === "day" ? "Yesterday" : "Last 7 days")}</a>`,
      )
      .join("");
    return reply.type("text/html; charset=utf-8").send(reportPageHtml(data, charts, links));
  });
}
