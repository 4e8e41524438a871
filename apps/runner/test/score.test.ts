import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { demoPaymentHistory } from "@regua/demo";
import { createSqliteStore } from "@regua/store";
import { createMemoryChannel, createMemoryConnector } from "@regua/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { DemoClock } from "../src/demo/clock.js";
import { main } from "../src/program.js";

/**
 * The payment-behaviour and payment-risk commands end to end on a real SQLite store holding the
 * generated payment history: regua score, plan --dry-run with behaviour and score conditions,
 * simulate --backtest, and score --demo --evaluate.
 */
const TODAY = "2026-12-01";
// Wednesday 10:00 in São Paulo, the day after the history ends: invoices due on the 5th get D-3.
const clock = new DemoClock("2026-12-02T13:00:00.000Z");
const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
const channel = createMemoryChannel({ id: "@acme/channel-memory", clock });
const importer = async (name: string) => {
  if (name === "@acme/connector-memory") return { default: erp.definition };
  if (name === "@acme/channel-memory") return { default: channel.definition };
  throw Object.assign(new Error(`Cannot find package '${name}'`), { code: "ERR_MODULE_NOT_FOUND" });
};

const POLICY = `timezone: America/Sao_Paulo
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
steps:
  - id: lembrete-d-3
    offsetDays: -3
    channel: wa
    template: { name: lembrete_vencimento }
    conditions:
      paymentHistory: { paidEarlyShare: { max: 0.8 }, minInvoices: 3, withoutHistory: fire }
  - id: vencida-d3-firme
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida_firme }
    conditions:
      paymentHistory: { averageDaysLate: { min: 10 } }
      riskScore: { min: 0.5 }
  - id: vencida-d3
    offsetDays: 3
    channel: wa
    template: { name: fatura_vencida }
    conditions: { riskScore: { max: 0.5 } }
  - id: escalar-cedo
    offsetDays: 7
    action: escalate
    escalate: { queue: cobranca, target: operator }
    conditions: { riskScore: { min: 0.8 } }
`;

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ["--config", configFile, "--log-level", "silent", ...argv],
    { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false },
    { importer, clock },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let configFile = "";
beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "regua-score-"));
  configFile = path.join(dir, "regua.yaml");
  writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  writeFileSync(
    configFile,
    `store: { sqlite: ./regua.db }
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels: [{ id: wa, channel: "@acme/channel-memory" }]
policy: ./policy.yaml
score: { horizonDays: 15, l2: 1 }
schedule: { sync: "*/15 * * * *", dispatch: "*/5 * * * *", score: "0 3 * * 0" }
`,
  );
  const store = createSqliteStore({ file: path.join(dir, "regua.db") });
  await store.migrate();
  const data = demoPaymentHistory({ source: "erp", seed: 5, customers: 250, today: TODAY });
  const at = `${TODAY}T12:00:00.000Z`;
  await store.commitPage({ source: "erp", entity: "customers", customers: data.customers, cursor: null, at });
  await store.commitPage({ source: "erp", entity: "invoices", invoices: data.invoices, cursor: null, at });
  await store.commitPage({ source: "erp", entity: "payments", payments: data.payments, cursor: null, at });
  await store.close();
}, 120_000);

const number = (text: string, label: RegExp) => Number(label.exec(text)?.[1] ?? Number.NaN);

describe("regua score and the payment-risk score in the plan", () => {
  it("a policy with riskScore conditions and no model: plan says to run regua score", async () => {
    const r = await cli("plan", "--dry-run", "--limit", "500");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(
      "riskScore needs a trained payment-risk model; none is stored yet (run regua score)",
    );
  });

  it("regua score trains on the store's history, stores the model and prints its coefficients", async () => {
    const r = await cli("score");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/column\s+log-odds of paid within horizon/);
    // Late payers pay later: the coefficient of averageDaysLate is negative.
    expect(number(r.out, /averageDaysLate\s+(-?\d+\.\d+)/)).toBeLessThan(0);
    expect(r.err).toMatch(/stored payment-risk model 1: \d+ rows from 250 customers/);
  }, 60_000);

  it("plan --dry-run: the behaviour and score conditions decide, and the why names features, values and contributions", async () => {
    const r = await cli("plan", "--dry-run", "--limit", "500");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /payment-history:lembrete-d-3: paidEarlyShare \d\.\d\d \(≤ 0\.8\); over the last \d+ paid invoices/,
    );
    expect(r.out).toMatch(
      /risk-score:vencida-d3(-firme)?: riskScore \d\.\d\d \((≥|≤) 0\.5\): P\(paid within 15 days of due\) \d\.\d\d, model trained 2026-12-02 on \d+ rows; largest contributions to the risk \(log-odds\): \w+ /,
    );
    // Early payers get no pre-due reminder: the skip says the feature and its value.
    expect(r.out).toMatch(/conditions:lembrete-d-3: paidEarlyShare (0\.[89]\d|1\.00) > max 0\.8/);
  }, 60_000);

  it("simulate --backtest prints messages, cost and recovered amount with and without the score", async () => {
    const r = await cli(
      "simulate",
      "--backtest",
      "--from",
      "2026-10-01",
      "--to",
      "2026-10-31",
      "--message-cost",
      "0.40",
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/with the score\s+without the score/);
    const messages = /messages sent\s+(\d+)\s+(\d+)/.exec(r.out);
    const withScore = Number(messages?.[1]);
    const without = Number(messages?.[2]);
    expect(withScore).toBeGreaterThan(0);
    // Without riskScore conditions both D+3 steps fire for everyone: more messages.
    expect(without).toBeGreaterThan(withScore);
    const cost = /cost \(BRL\)\s+(\d+\.\d\d)\s+(\d+\.\d\d)/.exec(r.out);
    expect(Number(cost?.[1])).toBeCloseTo(withScore * 0.4, 2);
    expect(r.out).toMatch(/recovered after contact \(BRL\)\s+\d+\.\d\d\s+\d+\.\d\d/);
    expect(r.err).toContain("nothing was sent");
  }, 120_000);

  it("score --demo --evaluate reports AUC and a reliability table on a held-out later period", async () => {
    const r = await cli("score", "--demo", "--evaluate", "--customers", "300", "--today", TODAY);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/scored invoices due 2026-06-04 to 2026-12-01 \(held out\)/);
    expect(number(r.out, /AUC (\d\.\d+)/)).toBeGreaterThan(0.85);
    const brier = /Brier (\d\.\d+) \(always predicting the training base rate: (\d\.\d+)\)/.exec(r.out);
    expect(Number(brier?.[1])).toBeLessThan(Number(brier?.[2]) / 2);
    expect(r.out.match(/^\s+\d+\s+\d+\s+\d\.\d{3}\s+\d\.\d{3}\s+-?\d\.\d{3}$/gm)).toHaveLength(10);
    expect(r.err).toContain("no model was stored");
  }, 120_000);

  it("rejects --demo without --backtest on simulate as a usage error", async () => {
    const r = await cli("simulate", "--demo", "--from", "2026-10-01", "--to", "2026-10-02");
    expect(r.code).toBe(2);
    expect(r.err).toContain("--demo and --baseline need --backtest");
  });
});

describe("schedule.score under regua run", () => {
  it("retrains on its cron line and stores a new model", async () => {
    const { loadConfig } = await import("../src/config.js");
    const { loadPolicy } = await import("../src/runtime.js");
    const { scoreCrons } = await import("../src/commands/score.js");
    const { silentLogger } = await import("@regua/core");
    const config = loadConfig(configFile);
    const store = createSqliteStore({
      file: path.join(path.dirname(configFile), "regua.db"),
      secretKey: config.secretKey,
    });
    try {
      const before = (await store.risk.latestModel())?.id ?? 0;
      const jobs: (() => Promise<unknown>)[] = [];
      const job = (_name: string, fn: () => Promise<unknown>) => {
        jobs.push(fn);
        return async () => {
          await fn();
        };
      };
      const rt = {
        config,
        store,
        policy: loadPolicy(config.policy),
        clock,
        log: silentLogger,
        workerId: "test:1",
      };
      const [cron] = scoreCrons(rt, job);
      expect(cron?.name).toBe("score");
      // "0 3 * * 0": Sundays at 03:00.
      expect(cron?.nextRun(new Date("2026-12-02T13:00:00.000Z"))?.getDay()).toBe(0);
      cron?.stop();
      await jobs[0]?.();
      const retrained = (await store.risk.latestModel())?.id ?? 0;
      expect(retrained).toBeGreaterThan(before);
      // Another runner on the same tick finds it done: one retrain per tick across runners.
      const other = scoreCrons({ ...rt, workerId: "test:2" }, job);
      other[0]?.stop();
      expect(await jobs[1]?.()).toEqual({ skipped: ["score"] });
      expect((await store.risk.latestModel())?.id).toBe(retrained);
      expect(
        scoreCrons({ ...rt, config: { ...config, schedule: { ...config.schedule, score: undefined } } }, job),
      ).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);
});
