import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../src/actions.js";
import type { Invoice } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import type { PolicyInput } from "../src/policy/index.js";
import { CHANNEL, customer, invoice, testPolicy } from "./support/harness.js";

const NOW = new Date("2026-03-10T12:00:00.000Z");
const DAY = 86_400_000;

/** A régua with a message at D+0, D+10 and an escalation at D+30 (UTC, no window, no caps). */
function policy(overrides: Partial<PolicyInput> = {}) {
  const message = (id: string, offsetDays: number) => ({
    id,
    offsetDays,
    channel: CHANNEL,
    template: { name: "fatura_vencida" },
    variables: { "1": "customer.firstName" },
  });
  return testPolicy({
    steps: [
      message("d0", 0),
      message("d10", 10),
      { id: "d30", offsetDays: 30, action: "escalate", escalate: { queue: "cobranca", target: "operator" } },
    ],
    ...overrides,
  });
}

function dueDaysAgo(id: string, days: number): Invoice {
  return invoice(id, "C1", { dueDate: new Date(NOW.getTime() - days * DAY).toISOString().slice(0, 10) });
}

function snapshot(invoices: Invoice[]): CustomerSnapshot {
  return {
    customer: customer("C1"),
    invoices,
    history: [],
    payments: { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
    optedOut: false,
    pausedUntil: null,
  };
}

describe("plan: catchUpMaxDays", () => {
  it("defaults to 7 days", () => {
    expect(policy().catchUpMaxDays).toBe(7);
  });

  it("a fresh install does not escalate a 90-day-old debt: the step waits for an operator, traced", () => {
    const result = plan(policy(), [snapshot([dueDaysAgo("old", 90)])], NOW);
    expect(result.actions).toEqual([]);
    expect(result.skips).toEqual([
      {
        source: "erp",
        customerRef: "C1",
        invoiceRefs: ["old"],
        stepId: "d30",
        reason: "too_late",
        trace: [
          {
            rule: "catch-up",
            outcome: "skipped",
            reason:
              "step d30 was due on 2026-01-09, 60 days ago: more than catchUpMaxDays (7), so it waits for an operator",
          },
        ],
      },
    ]);
  });

  it("each too_late skip names its own step day, whichever invoices share one", () => {
    const result = plan(
      policy(),
      [snapshot([dueDaysAgo("a", 90), dueDaysAgo("b", 90), dueDaysAgo("c", 45)])],
      NOW,
    );
    expect(result.skips.map((s) => [s.invoiceRefs, s.stepId, s.trace.map((t) => t.reason)])).toEqual([
      [
        ["a"],
        "d30",
        [
          "step d30 was due on 2026-01-09, 60 days ago: more than catchUpMaxDays (7), so it waits for an operator",
        ],
      ],
      [
        ["b"],
        "d30",
        [
          "step d30 was due on 2026-01-09, 60 days ago: more than catchUpMaxDays (7), so it waits for an operator",
        ],
      ],
      [
        ["c"],
        "d30",
        [
          "step d30 was due on 2026-02-23, 15 days ago: more than catchUpMaxDays (7), so it waits for an operator",
        ],
      ],
    ]);
  });

  it("sends the latest step when it is at most catchUpMaxDays late, and skips it one day later", () => {
    const onTheLimit = plan(policy(), [snapshot([dueDaysAgo("a", 17)])], NOW); // d10 is 7 days late
    expect(onTheLimit.actions.map((a) => a.stepId)).toEqual(["d10"]);
    const pastIt = plan(policy(), [snapshot([dueDaysAgo("a", 18)])], NOW); // d10 is 8 days late
    expect(pastIt.actions).toEqual([]);
    expect(pastIt.skips.map((s) => [s.stepId, s.reason])).toEqual([["d10", "too_late"]]);
  });

  it("catchUp: all sends the missed steps still inside the limit and none older", () => {
    const all = policy({ catchUp: "all", catchUpMaxDays: 12 });
    const result = plan(all, [snapshot([dueDaysAgo("a", 11)])], NOW); // d0 11 days late, d10 1
    expect(result.actions.map((a) => a.stepId).sort()).toEqual(["d0", "d10"]);
    const older = plan(all, [snapshot([dueDaysAgo("a", 13)])], NOW); // d0 13 days late
    expect(older.actions.map((a) => a.stepId)).toEqual(["d10"]);
    expect(older.skips).toEqual([]); // something fired for the invoice: nothing waits for an operator
  });

  it("null restores the unlimited catch-up (the old debt escalates at once)", () => {
    const result = plan(policy({ catchUpMaxDays: null }), [snapshot([dueDaysAgo("old", 90)])], NOW);
    expect(result.actions.map((a) => [a.stepId, a.kind])).toEqual([["d30", "escalate"]]);
  });

  it("rejects a negative limit, naming the field", () => {
    expect(() => policy({ catchUpMaxDays: -1 })).toThrow(/catchUpMaxDays/);
  });

  it("property: no planned step is more than catchUpMaxDays late, and every too_late skip is", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        fc.constantFrom("latest" as const, "all" as const),
        fc.array(fc.integer({ min: -5, max: 120 }), { minLength: 1, maxLength: 6 }),
        (maxLate, catchUp, ages) => {
          const p = policy({ catchUpMaxDays: maxLate, catchUp });
          const invoices = ages.map((age, i) => dueDaysAgo(`i${i}`, age));
          const ageOf = new Map(invoices.map((inv, i) => [inv.externalId, ages[i] as number]));
          const offsetOf = new Map(p.steps.map((s) => [s.id, s.offsetDays]));
          const { actions, skips } = plan(p, [snapshot(invoices)], NOW);
          for (const action of actions) {
            const late =
              (ageOf.get(action.invoiceRefs[0] as string) as number) -
              (offsetOf.get(action.stepId) as number);
            expect(late).toBeLessThanOrEqual(maxLate);
          }
          for (const skip of skips.filter((s) => s.reason === "too_late")) {
            const late =
              (ageOf.get(skip.invoiceRefs[0] as string) as number) -
              (offsetOf.get(skip.stepId as string) as number);
            expect(late).toBeGreaterThan(maxLate);
          }
          // Every invoice with a step due is either acted on or explained.
          for (const [ref, age] of ageOf) {
            if (age < 0) continue;
            const explained =
              actions.some((a) => a.invoiceRefs.includes(ref)) ||
              skips.some((s) => s.invoiceRefs.includes(ref));
            expect(explained, `invoice ${ref}, ${age} days overdue`).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
