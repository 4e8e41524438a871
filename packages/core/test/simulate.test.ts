import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CustomerSnapshot } from "../src/actions.js";
import { Customer, Invoice } from "../src/model.js";
import { epochDay, localTime, plan, simulate } from "../src/planner/index.js";
import { parsePolicy, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

/** fast-check runs hundreds of scenarios: room for a loaded CI machine (about 1-2 s each when idle). */
const PROPERTY_TIMEOUT_MS = 30_000;

const policy = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");

function customerWith(openMinor: number): CustomerSnapshot {
  return {
    customer: Customer.parse({
      source: "erp",
      externalId: "C1",
      name: "Maria Silva",
      phones: ["+5511987654321"],
    }),
    invoices: [
      Invoice.parse({
        source: "erp",
        externalId: "NF1",
        number: "1",
        customerRef: "C1",
        issueDate: "2026-10-25",
        dueDate: "2026-11-25", // a Wednesday
        total: { amountMinor: openMinor, currency: "BRL" },
        openAmount: { amountMinor: openMinor, currency: "BRL" },
        status: "open",
      }),
    ],
    history: [],
    payments: { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
    optedOut: false,
    pausedUntil: null,
  };
}

describe("simulate", () => {
  it(
    "replays the sample régua day by day over an unpaid invoice",
    () => {
      const days = simulate(policy, [customerWith(150000)], { from: "2026-11-20", to: "2026-12-31" });
      expect(days).toHaveLength(42);
      const fired = days.flatMap((d) => d.actions.map((a) => `${d.date} ${a.stepId} ${a.dueAt}`));
      expect(fired).toEqual([
        // D-3 falls on a Sunday: planned at noon, sent Monday 08:00.
        "2026-11-22 lembrete-d-3 2026-11-23T11:00:00.000Z",
        "2026-11-25 vencimento-d0 2026-11-25T11:00:00.000Z",
        "2026-11-28 vencida-d3 2026-11-28T12:00:00.000Z",
        "2026-12-02 vencida-d7 2026-12-02T11:00:00.000Z",
        "2026-12-10 escalar-d15 2026-12-10T11:00:00.000Z",
        "2026-12-10 vencida-d15 2026-12-10T11:00:00.000Z",
        // Christmas: no messages, but an escalation is not a message.
        "2026-12-25 juridico-d30 2026-12-25T15:00:00.000Z",
      ]);
      // 2026-11-20 is Consciência Negra (national since 2024): planned at local noon, no window.
      expect(days[0]?.plannedAt).toBe("2026-11-20T15:00:00.000Z");
      expect(days[3]?.plannedAt).toBe("2026-11-23T11:00:00.000Z");
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "does not touch the snapshots it is given",
    () => {
      const snapshot = customerWith(50000);
      simulate(policy, [snapshot], { from: "2026-11-20", to: "2026-12-31" });
      expect(snapshot.history).toEqual([]);
      expect(plan(policy, [snapshot], new Date("2026-11-25T12:00:00Z")).actions.map((a) => a.stepId)).toEqual(
        ["vencimento-d0"],
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

describe("simulate: properties", () => {
  const invoicesArb = fc.array(
    fc.record({ dueIn: fc.integer({ min: -40, max: 40 }), openMinor: fc.integer({ min: 1, max: 300_000 }) }),
    { minLength: 1, maxLength: 5 },
  );

  it(
    "never repeats a step for an invoice, and keeps every send day and week within the caps",
    () => {
      fc.assert(
        fc.property(
          invoicesArb,
          fc.constantFrom("invoice" as const, "customer" as const),
          (specs, grouping) => {
            const base = customerWith(1);
            const invoices = specs.map((spec, i) =>
              Invoice.parse({
                ...base.invoices[0],
                externalId: `NF${i}`,
                number: String(i),
                dueDate: new Date(Date.parse("2026-11-25T12:00:00Z") + spec.dueIn * 86_400_000)
                  .toISOString()
                  .slice(0, 10),
                total: { amountMinor: spec.openMinor, currency: "BRL" },
                openAmount: { amountMinor: spec.openMinor, currency: "BRL" },
              }),
            );
            const days = simulate({ ...policy, grouping }, [{ ...base, invoices }], {
              from: "2026-11-01",
              to: "2027-01-15",
            });
            const actions = days.flatMap((d) => d.actions);
            expect(new Set(actions.map((a) => a.key)).size).toBe(actions.length);
            const taken = actions.flatMap((a) => a.invoiceRefs.map((ref) => `${ref} ${a.stepId}`));
            expect(new Set(taken).size).toBe(taken.length);
            const perDay = new Map<number, number>();
            const perWeek = new Map<number, number>();
            for (const action of actions.filter((a) => a.kind === "message")) {
              const day = localTime(Date.parse(action.dueAt), "America/Sao_Paulo").day;
              const monday = day - ((((day + 4) % 7) + 6) % 7);
              perDay.set(day, (perDay.get(day) ?? 0) + 1);
              perWeek.set(monday, (perWeek.get(monday) ?? 0) + 1);
            }
            for (const count of perDay.values())
              expect(count).toBeLessThanOrEqual(policy.caps.perCustomerPerDay ?? 99);
            for (const count of perWeek.values())
              expect(count).toBeLessThanOrEqual(policy.caps.perCustomerPerWeek ?? 99);
            expect(days[0]?.date).toBe("2026-11-01");
            expect(epochDay(days.at(-1)?.date ?? "")).toBe(epochDay("2027-01-15"));
          },
        ),
        { numRuns: 40 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});
