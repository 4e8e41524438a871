import { silentLogger, toMinorUnits } from "@regua/core";
import { startSmtpSink } from "@regua/test-fixtures/notify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmailSender, EmailConfig } from "../src/notify/index.js";
import { buildReportData, periodsAt } from "../src/reports/figures.js";
import { buildReportEmail, type ReportEmail, runReport } from "../src/reports/job.js";
import { loadCharts } from "../src/reports/load-charts.js";
import { REPORT_MORNING, REPORTS_CONFIG, type ReportDemo, runReportDemo } from "./support/report-demo.js";
import { csvRecords, type Expected, recompute } from "./support/report-recompute.js";

const schedule = REPORTS_CONFIG.schedules[0]!;
const period = periodsAt(REPORT_MORNING, "day").current;

describe("the daily report on the demo's data", () => {
  let demo: ReportDemo;
  let mail: ReportEmail;
  let expected: Expected;
  const csv = (name: string) => {
    const file = mail.attachments.find((a) => a.filename === name);
    if (!file) throw new Error(`no ${name} attached`);
    return csvRecords(String(file.content));
  };

  beforeAll(async () => {
    demo = await runReportDemo();
    const data = await buildReportData(demo.world.rt.store, {
      now: REPORT_MORNING,
      kind: "day",
      config: REPORTS_CONFIG,
    });
    mail = await buildReportEmail(data, schedule, await loadCharts());
    expected = recompute(demo.dbFile, period, { utility: 4 }, REPORTS_CONFIG.dsoDays);
  }, 180_000);
  afterAll(async () => demo?.close());

  it("covers yesterday (UTC) and names it in the subject", () => {
    expect(period).toEqual({ from: "2026-03-11T00:00:00.000Z", to: "2026-03-12T00:00:00.000Z" });
    expect(mail.subject).toBe("régua daily report: Day 2026-03-11 (UTC)");
    expect(mail.id).toBe("report:daily:2026-03-11");
  });

  it("counts messages, replies, opt-outs and their cost per source and step as the raw tables do", () => {
    const rows = csv("steps.csv");
    expect(rows.length).toBeGreaterThan(0);
    const got = new Map(
      rows.map((r) => [
        `${r.source}|${r.step}|${r.channel}`,
        {
          sent: Number(r.sent),
          replied: Number(r.replied),
          optedOut: Number(r["opted out"]),
          billable: Number(r.billable || 0),
          costMinor: r.cost ? toMinorUnits(r.cost, "BRL") : 0,
        },
      ]),
    );
    expect(got).toEqual(expected.steps);
    const total = (f: (e: Expected["steps"] extends Map<string, infer V> ? V : never) => number) =>
      [...expected.steps.values()].reduce((n, e) => n + f(e), 0);
    expect(total((e) => e.sent)).toBeGreaterThan(0);
    expect(total((e) => e.replied)).toBe(1);
    expect(total((e) => e.optedOut)).toBeGreaterThan(0);
    expect(total((e) => e.costMinor)).toBeGreaterThan(0);
  });

  it("credits the money paid yesterday to the last step that reached the customer before", () => {
    const got = new Map(
      csv("recovered.csv")
        .filter((r) => r.period === "this")
        .map((r) => [
          `${r.source}|${r.step}|${r.currency}`,
          { invoices: Number(r.invoices), amountMinor: toMinorUnits(r.amount ?? "", r.currency ?? "") },
        ]),
    );
    expect(got).toEqual(expected.recovered);
    expect(got.size).toBeGreaterThan(0);
    // The day before nothing was paid yet.
    expect(csv("recovered.csv").filter((r) => r.period === "previous")).toEqual([]);
  });

  it("ages the open receivables and computes DSO as the raw invoices do", () => {
    const got = new Map(
      csv("aging.csv")
        .filter((r) => Number(r.invoices) > 0)
        .map((r) => [
          `${r.bucket}|${r.currency}`,
          { invoices: Number(r.invoices), openMinor: toMinorUnits(r["open amount"] ?? "", r.currency ?? "") },
        ]),
    );
    expect(got).toEqual(expected.aging);
    const summary = csv("summary.csv");
    for (const [currency, open] of expected.open) {
      const row = summary.find((r) => r.figure === "open receivables" && r.currency === currency);
      expect(toMinorUnits(row?.["this period"] ?? "", currency)).toBe(open);
      const dso = summary.find((r) => r.figure === "DSO (90 days)" && r.currency === currency);
      expect(Number(dso?.["this period"])).toBe(expected.dso.get(currency));
    }
  });

  it("compares with the day before and totals recovered money per currency only", () => {
    const summary = csv("summary.csv");
    const sent = summary.find((r) => r.figure === "messages sent");
    expect(Number(sent?.["this period"])).toBe([...expected.steps.values()].reduce((n, e) => n + e.sent, 0));
    expect(Number(sent?.["previous period"])).toBeGreaterThan(0);
    for (const currency of new Set([...expected.recovered.keys()].map((k) => k.split("|")[2]))) {
      const row = summary.find((r) => r.figure === "recovered after contact" && r.currency === currency);
      const sum = [...expected.recovered]
        .filter(([k]) => k.endsWith(`|${currency}`))
        .reduce((n, [, e]) => n + e.amountMinor, 0);
      expect(toMinorUnits(row?.["this period"] ?? "", currency ?? "")).toBe(sum);
      expect(row?.change).toBe("new");
    }
  });

  it("puts the three charts in the HTML body as inline PNGs, with alt text", () => {
    for (const id of ["chart-recovery", "chart-aging", "chart-cost"]) {
      const image = mail.attachments.find((a) => a.cid === `${id}@regua`);
      expect(image?.contentType).toBe("image/png");
      expect(
        Buffer.from(image?.content ?? "")
          .subarray(1, 4)
          .toString(),
      ).toBe("PNG");
      expect(mail.html).toMatch(new RegExp(`<img src="cid:${id}@regua" width="640" alt="[^"]{20,}">`));
    }
    expect(mail.to).toEqual(["finance@example.com.br"]);
  });

  it("is delivered once to the SMTP sink, with its CSV attachments, across two runners and a rerun", async () => {
    const sink = await startSmtpSink();
    try {
      const config = EmailConfig.parse({
        host: sink.host,
        port: sink.port,
        from: "régua <reports@example.com>",
        to: ["ops@example.com"],
      });
      const mailer = createEmailSender(config, {
        clock: demo.world.clock,
        log: silentLogger,
        attempts: 2,
        timeoutMs: 5_000,
      });
      const deps = {
        store: demo.world.rt.store,
        config: REPORTS_CONFIG,
        clock: demo.world.clock,
        log: silentLogger,
        mailer,
        loadCharts: () => loadCharts(),
      };
      const [a, b] = await Promise.all([
        runReport({ ...deps, workerId: "runner-a:1" }, schedule),
        runReport({ ...deps, workerId: "runner-b:1" }, schedule),
      ]);
      expect([a, b].sort()).toEqual(["busy", "sent"]);
      expect(await runReport({ ...deps, workerId: "runner-b:1" }, schedule)).toBe("already_sent");
      const [received] = await sink.waitFor(1);
      expect(sink.mails).toHaveLength(1);
      expect(received?.to).toEqual(["finance@example.com.br"]);
      expect(received?.parsed.subject).toBe("régua daily report: Day 2026-03-11 (UTC)");
      const steps = received?.parsed.attachments.find((x) => x.filename === "steps.csv");
      expect(csvRecords(steps?.content.toString("utf8") ?? "").map((r) => Number(r.sent))).toEqual(
        [...expected.steps.values()].map((e) => e.sent),
      );
      const pngs = received?.parsed.attachments.filter((x) => x.contentType === "image/png") ?? [];
      expect(pngs.map((x) => x.cid).sort()).toEqual([
        "chart-aging@regua",
        "chart-cost@regua",
        "chart-recovery@regua",
      ]);
      mailer.close();
    } finally {
      await sink.close();
    }
  });
});
