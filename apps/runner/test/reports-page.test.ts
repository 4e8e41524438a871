import { silentLogger } from "@regua/core";
import { browserAvailable, launchChromium } from "@regua/test-fixtures/browser";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServer } from "../src/server.js";
import { REPORTS_CONFIG, type ReportDemo, runReportDemo } from "./support/report-demo.js";

const TOKEN = "reports-page-admin-token";
/** Set REGUA_UPDATE_SCREENSHOT=1 to rewrite docs/img/reports.png from this test. */
const SCREENSHOT = new URL("../../../docs/img/reports.png", import.meta.url).pathname;

describe.skipIf(!browserAvailable())("the /reports page in Chromium", () => {
  let demo: ReportDemo;
  let app: FastifyInstance;
  let base: string;

  beforeAll(async () => {
    demo = await runReportDemo();
    app = await buildServer({
      engine: demo.world.engine,
      store: demo.world.rt.store,
      clock: demo.world.clock,
      log: silentLogger,
      adminToken: TOKEN,
      channels: [],
      connectors: [],
      reports: REPORTS_CONFIG,
    });
    base = await app.listen({ port: 0, host: "127.0.0.1" });
  }, 180_000);
  afterAll(async () => {
    await app?.close();
    await demo?.close();
  });

  it("is refused without the admin token", async () => {
    expect((await fetch(`${base}/reports`)).status).toBe(401);
  });

  it("draws the three charts as labelled SVG with their series, reachable by keyboard", async () => {
    const browser = await launchChromium();
    try {
      const context = await browser.newContext({
        extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` },
        viewport: { width: 1400, height: 1000 },
      });
      const page = await context.newPage();
      const response = await page.goto(`${base}/reports?period=day`);
      expect(response?.status()).toBe(200);
      const charts = page.getByRole("img");
      expect(await charts.count()).toBe(3);
      for (const name of [
        /Recovered after each step \(BRL\)/,
        /Open receivables by days past due \(BRL\)/,
        /Message cost per BRL 100 recovered/,
      ]) {
        await expect.poll(() => page.getByRole("img", { name }).count()).toBe(1);
      }
      // Series by name: the steps in the legend, the aging buckets in the stack.
      const steps = await page.$$eval("#table-steps tbody tr td:nth-child(2)", (cells) =>
        cells.map((c) => c.textContent),
      );
      const recovery = (await page.locator("#chart-recovery").textContent()) ?? "";
      const curveSteps = await page.$$eval("#table-recovery-curve tbody tr td:first-child", (cells) =>
        cells.map((c) => c.textContent ?? ""),
      );
      expect(curveSteps.length).toBeGreaterThan(0);
      for (const step of curveSteps) expect(recovery).toContain(step);
      const aging = (await page.locator("#chart-aging").textContent()) ?? "";
      for (const label of ["not yet due", "1-30 days", "90+ days", "day", "BRL"])
        expect(aging).toContain(label);
      expect(steps.length).toBeGreaterThan(0);
      // Every drawn line is a path in the SVG, one per step.
      expect(await page.locator("#chart-recovery path[fill='none'][stroke-width='3']").count()).toBe(
        curveSteps.length,
      );
      // Keyboard: Tab reaches the period links and then each chart's figure, which names itself.
      const focused: string[] = [];
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press("Tab");
        // A string, evaluated in the page: the test's TypeScript has no DOM types.
        const active =
          "document.activeElement?.getAttribute('aria-labelledby') ?? document.activeElement?.textContent ?? ''";
        focused.push(String(await page.evaluate(active)));
      }
      expect(focused).toEqual(
        expect.arrayContaining(["chart-recovery-caption", "chart-aging-caption", "chart-cost-caption"]),
      );
      if (process.env.REGUA_UPDATE_SCREENSHOT === "1") await page.screenshot({ path: SCREENSHOT });
    } finally {
      await browser.close();
    }
  }, 60_000);
});
