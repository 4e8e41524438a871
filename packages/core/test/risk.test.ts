import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../src/actions.js";
import { NO_BEHAVIOUR } from "../src/behaviour/index.js";
import { Customer, Invoice } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { parsePolicy } from "../src/policy/index.js";
import {
  type CustomerPaymentFacts,
  evaluatePredictions,
  evaluateRisk,
  fitRiskModel,
  paidProbability,
  RISK_COLUMNS,
  type RiskModel,
  RiskModelSchema,
  riskColumns,
  trainingRows,
} from "../src/risk/index.js";

/** A small seeded PRNG (mulberry32): the same customers on every run. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/** Monthly invoices for two years: "late" customers pay 10–50 days late, the others −5..+8. */
function customers(count: number, seed: number): CustomerPaymentFacts[] {
  const next = random(seed);
  const result: CustomerPaymentFacts[] = [];
  for (let c = 0; c < count; c++) {
    const late = next() < 0.35;
    const invoices = [];
    for (let m = 0; m < 24; m++) {
      const dueDate = addDays("2024-12-10", m * 30);
      const days = late ? 10 + Math.floor(next() * 40) : -5 + Math.floor(next() * 14);
      invoices.push({
        externalId: `${c}-${m}`,
        dueDate,
        amountMinor: 10_000 + Math.floor(next() * 90_000),
        paidOn: addDays(dueDate, days),
      });
    }
    result.push({ source: "erp", customerRef: `C${c}`, invoices, history: [], promises: [] });
  }
  return result;
}

const options = (dueFrom: string, dueTo: string) => ({
  horizonDays: 15,
  offsets: [0, 7],
  dueFrom,
  dueTo,
  asOf: "2026-12-01",
  lastInvoices: 12,
});

describe("trainingRows", () => {
  it("one row per offset while the invoice is unpaid, labelled by the horizon, using only the past", () => {
    const facts: CustomerPaymentFacts = {
      source: "erp",
      customerRef: "C1",
      invoices: [
        { externalId: "a", dueDate: "2026-01-10", amountMinor: 10_000, paidOn: "2026-01-30" }, // 20 late
        { externalId: "b", dueDate: "2026-02-10", amountMinor: 10_000, paidOn: "2026-02-13" }, // 3 late
        { externalId: "c", dueDate: "2026-11-25", amountMinor: 10_000, paidOn: null }, // horizon not over
      ],
      history: [],
      promises: [],
    };
    const rows = trainingRows(facts, options("2026-01-01", "2027-01-01"));
    // a: unpaid at D0 and D+7 → 2 rows, label 0 (paid after 15 days); b: D0 only (paid D+3) → label 1.
    expect(rows.map((r) => [r.dueDate, r.y])).toEqual([
      ["2026-01-10", 0],
      ["2026-01-10", 0],
      ["2026-02-10", 1],
    ]);
    const column = (row: { x: number[] }, name: (typeof RISK_COLUMNS)[number]) =>
      row.x[RISK_COLUMNS.indexOf(name)] as number;
    // a's rows know nothing yet; b's row knows a was paid 20 days late.
    expect(column(rows[0] as { x: number[] }, "noHistory")).toBe(1);
    expect(column(rows[2] as { x: number[] }, "noHistory")).toBe(0);
    expect(column(rows[2] as { x: number[] }, "averageDaysLate")).toBeCloseTo(Math.log1p(20));
    expect(column(rows[1] as { x: number[] }, "daysOverdue")).toBe(7);
  });
});

describe("fitRiskModel (ridge logistic regression, Newton/IRLS)", () => {
  const facts = customers(300, 7);
  const train = facts.flatMap((f) => trainingRows(f, options("2025-01-01", "2026-06-01")));
  const test = facts.flatMap((f) => trainingRows(f, options("2026-06-01", "2026-12-01")));
  const model = fitRiskModel(train, {
    horizonDays: 15,
    l2: 1,
    trainedAt: "2026-12-01T00:00:00.000Z",
    dueFrom: "2025-01-01",
    dueTo: "2026-06-01",
  });

  it("converges to the penalised optimum: the score equations are zero", () => {
    expect(model.iterations).toBeLessThan(30);
    const p = RISK_COLUMNS.length;
    const gradient = new Array<number>(p + 1).fill(0);
    for (const row of train) {
      const residual = row.y - paidProbability(model, row.x);
      gradient[0] = (gradient[0] as number) + residual;
      for (let j = 0; j < p; j++) {
        const z = ((row.x[j] as number) - (model.means[j] as number)) / (model.scales[j] as number);
        gradient[j + 1] = (gradient[j + 1] as number) + residual * z;
      }
    }
    expect(Math.abs(gradient[0] as number)).toBeLessThan(1e-6);
    for (let j = 0; j < p; j++) {
      expect(
        Math.abs((gradient[j + 1] as number) - model.l2 * (model.coefficients[j] as number)),
      ).toBeLessThan(1e-6);
    }
  });

  it("learns the direction of each habit and ranks a held-out later period well", () => {
    const coefficient = (name: (typeof RISK_COLUMNS)[number]) =>
      model.coefficients[RISK_COLUMNS.indexOf(name)] as number;
    expect(coefficient("averageDaysLate")).toBeLessThan(0);
    expect(coefficient("paidEarlyShare")).toBeGreaterThan(0);
    const evaluation = evaluateRisk(model, test);
    expect(evaluation.auc).toBeGreaterThan(0.85);
    expect(evaluation.brier).toBeLessThan(evaluation.baselineBrier / 2);
    expect(evaluation.reliability).toHaveLength(10);
    expect(RiskModelSchema.parse(JSON.parse(JSON.stringify(model)))).toEqual(model);
  });

  it("a larger ridge shrinks the coefficients", () => {
    const strong = fitRiskModel(train, { ...model, l2: 1_000 });
    const norm = (m: RiskModel) => m.coefficients.reduce((sum, c) => sum + c * c, 0);
    expect(norm(strong)).toBeLessThan(norm(model) / 2);
  });

  it("a stored model with other columns than this version's is refused, not mis-scored", () => {
    const stale = { ...model, columns: model.columns.slice(1), coefficients: model.coefficients.slice(1) };
    expect(() => RiskModelSchema.parse(JSON.parse(JSON.stringify(stale)))).toThrow(
      /trained with other columns/,
    );
    const short = { ...model, coefficients: model.coefficients.slice(1) };
    expect(() => RiskModelSchema.parse(short)).toThrow(/one value per column/);
  });

  it("refuses to train on nothing", () => {
    expect(() => fitRiskModel([], { ...model })).toThrow(/no training rows/);
  });
});

describe("evaluatePredictions", () => {
  it("AUC counts ties as half and a perfect ranking as 1; deciles report predicted vs observed", () => {
    const perfect = [0.1, 0.2, 0.8, 0.9].map((p, i) => ({ p, y: (i >= 2 ? 1 : 0) as 0 | 1 }));
    expect(evaluatePredictions(perfect, 0.5).auc).toBe(1);
    const tied = [0.5, 0.5].map((p, i) => ({ p, y: i as 0 | 1 }));
    expect(evaluatePredictions(tied, 0.5).auc).toBe(0.5);
    const calibrated = Array.from({ length: 100 }, (_, i) => ({ p: 0.3, y: (i < 30 ? 1 : 0) as 0 | 1 }));
    const evaluation = evaluatePredictions(calibrated, 0.3);
    expect(evaluation.brier).toBeCloseTo(0.21);
    expect(evaluation.baselineBrier).toBeCloseTo(0.21);
    expect(evaluation.reliability.reduce((n, bin) => n + bin.rows, 0)).toBe(100);
  });
});

describe("plan: riskScore conditions", () => {
  const policy = parsePolicy(
    `timezone: America/Sao_Paulo
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
steps:
  - id: escalar-cedo
    offsetDays: 3
    action: escalate
    escalate: { queue: cobranca, target: operator }
    conditions: { riskScore: { min: 0.6 } }
`,
    "policy.yaml",
  );
  const facts = customers(200, 11);
  const model = fitRiskModel(
    facts.flatMap((f) => trainingRows(f, options("2025-01-01", "2026-11-01"))),
    {
      horizonDays: 15,
      l2: 1,
      trainedAt: "2026-11-20T00:00:00.000Z",
      dueFrom: "2025-01-01",
      dueTo: "2026-11-01",
    },
  );
  const now = new Date("2026-11-27T13:00:00Z");

  function snapshot(behaviour: typeof NO_BEHAVIOUR): CustomerSnapshot {
    return {
      customer: Customer.parse({ source: "erp", externalId: "C1", name: "Ana", phones: ["+5511987654321"] }),
      invoices: [
        Invoice.parse({
          source: "erp",
          externalId: "1",
          number: "1",
          customerRef: "C1",
          issueDate: "2026-11-01",
          dueDate: "2026-11-24",
          total: { amountMinor: 50_000, currency: "BRL" },
          openAmount: { amountMinor: 50_000, currency: "BRL" },
          status: "open",
        }),
      ],
      history: [],
      payments: { paidCount: behaviour.invoices, paidLateCount: 0, averageDaysLate: 0, behaviour },
      optedOut: false,
      pausedUntil: null,
    };
  }
  const late = {
    ...NO_BEHAVIOUR,
    invoices: 12,
    averageDaysLate: 30,
    p90DaysLate: 45,
    paidEarlyShare: 0,
    paidAfterReminderShare: 0,
  };
  const early = {
    ...NO_BEHAVIOUR,
    invoices: 12,
    averageDaysLate: 0.5,
    p90DaysLate: 2,
    paidEarlyShare: 0.7,
    paidAfterReminderShare: 0,
  };

  it("escalates the risky customer early; the trace shows the score and the largest contributions", () => {
    const result = plan(policy, [snapshot(late)], now, { riskModel: model });
    const [action] = result.actions;
    expect(action?.stepId).toBe("escalar-cedo");
    const line = action?.trace.find((entry) => entry.rule === "risk-score:escalar-cedo");
    expect(line?.reason).toMatch(
      /^riskScore 0\.\d\d \(≥ 0\.6\): P\(paid within 15 days of due\) 0\.\d\d, model trained 2026-11-20 on \d+ rows; largest contributions to the risk \(log-odds\): /,
    );
    expect(line?.reason).toMatch(/averageDaysLate 30 \+\d\.\d\d/);
  });

  it("leaves the good payer alone, saying the score; without a model the condition fails and says why", () => {
    const good = plan(policy, [snapshot(early)], now, { riskModel: model });
    expect(good.actions).toEqual([]);
    expect(good.skips[0]?.trace[0]?.reason).toMatch(
      /^riskScore 0\.\d\d < min 0\.6 \(P\(paid within 15 days of due\) [01]\.\d\d\)$/,
    );
    const none = plan(policy, [snapshot(late)], now);
    expect(none.actions).toEqual([]);
    expect(none.skips[0]?.trace[0]?.reason).toMatch(/needs a trained payment-risk model/);
  });

  it("the score is the model's probability for the same columns the training used", () => {
    const input = {
      behaviour: late,
      amountMinor: 50_000,
      daysOverdue: 3,
      remindersSent: 0,
      dueDate: "2026-11-24",
    };
    const result = plan(policy, [snapshot(late)], now, { riskModel: model });
    const shown = /riskScore (0\.\d\d)/.exec(result.actions[0]?.trace.map((t) => t.reason).join(" ") ?? "");
    expect(Number(shown?.[1])).toBeCloseTo(1 - paidProbability(model, riskColumns(input)), 2);
  });
});
