import Holidays from "date-holidays";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ActionHistoryEntry, CustomerSnapshot, PlannedAction } from "../src/actions.js";
import { Customer, Invoice, InvoiceStatus } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { type Policy, parsePolicy, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

/** fast-check runs hundreds of scenarios: room for a loaded CI machine (about 1-2 s each when idle). */
const PROPERTY_TIMEOUT_MS = 30_000;

const sample = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
const DAY = 86_400_000;
const FROM = Date.parse("2026-01-01T00:00:00Z");
const TO = Date.parse("2027-12-31T00:00:00Z");

const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    perCustomerPerDay: fc.option(fc.integer({ min: 1, max: 3 })),
    perCustomerPerWeek: fc.option(fc.integer({ min: 1, max: 5 })),
    grouping: fc.constantFrom("customer" as const, "invoice" as const),
    catchUp: fc.constantFrom("latest" as const, "all" as const),
  })
  .map(({ perCustomerPerDay, perCustomerPerWeek, grouping, catchUp }) => ({
    ...sample,
    caps: { perCustomerPerDay, perCustomerPerWeek },
    grouping,
    catchUp,
  }));

const invoiceArb = (nowMs: number) =>
  fc
    .record({
      dueOffset: fc.integer({ min: -45, max: 10 }),
      openMinor: fc.integer({ min: 0, max: 500_000 }),
      status: fc.constantFrom(...InvoiceStatus.options),
    })
    .map(({ dueOffset, openMinor, status }) => ({
      dueDate: new Date(nowMs + dueOffset * DAY).toISOString().slice(0, 10),
      openMinor,
      status,
    }));

const customerArb = (nowMs: number) =>
  fc.record({
    invoices: fc.array(invoiceArb(nowMs), { minLength: 1, maxLength: 4 }),
    optedOut: fc.boolean(),
    paused: fc.option(fc.integer({ min: -5, max: 5 }), { freq: 4 }),
    historySteps: fc.subarray(sample.steps.map((s) => s.id)),
  });

const scenarioArb = fc.integer({ min: FROM, max: TO }).chain((nowMs) =>
  fc.record({
    now: fc.constant(new Date(nowMs)),
    policy: policyArb,
    customers: fc.array(customerArb(nowMs), { minLength: 1, maxLength: 6 }),
  }),
);

type CustomerCase = ReturnType<typeof customerArb> extends fc.Arbitrary<infer T> ? T : never;
type Scenario = { now: Date; policy: Policy; customers: CustomerCase[] };

function snapshotsOf(scenario: Scenario): CustomerSnapshot[] {
  return scenario.customers.map((c, ci) => {
    const invoices = c.invoices.map((inv, ii) =>
      Invoice.parse({
        source: "erp",
        externalId: `I${ci}-${ii}`,
        number: `${ci}${ii}`,
        customerRef: `C${ci}`,
        issueDate: "2025-12-01",
        dueDate: inv.dueDate,
        total: { amountMinor: inv.openMinor, currency: "BRL" },
        openAmount: { amountMinor: inv.openMinor, currency: "BRL" },
        status: inv.status,
      }),
    );
    const history: ActionHistoryEntry[] = c.historySteps.map((stepId) => ({
      key: `old-${ci}-${stepId}`,
      stepId,
      invoiceRefs: [invoices[0]?.externalId ?? ""],
      status: "sent",
      dueAt: new Date(scenario.now.getTime() - 20 * DAY).toISOString(),
      sentAt: new Date(scenario.now.getTime() - 20 * DAY).toISOString(),
      repliedAt: null,
    }));
    return {
      customer: Customer.parse({
        source: "erp",
        externalId: `C${ci}`,
        name: `Cliente ${ci}`,
        phones: ["+5511987654321"],
      }),
      invoices,
      history,
      payments: { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
      optedOut: c.optedOut,
      pausedUntil: c.paused === null ? null : new Date(scenario.now.getTime() + c.paused * DAY).toISOString(),
    };
  });
}

const byKey = (actions: PlannedAction[]) => [...actions].sort((a, b) => (a.key < b.key ? -1 : 1));

// National and state tables: date-holidays' BR-SP table misses some national days.
const holidayTables = [
  new Holidays("BR", { timezone: "America/Sao_Paulo" }),
  new Holidays("BR", "SP", { timezone: "America/Sao_Paulo" }),
];
const localParts = new Intl.DateTimeFormat("en-GB", {
  timeZone: "America/Sao_Paulo",
  weekday: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

function localWeekdayAndTime(iso: string): { weekday: string; time: string } {
  const parts = localParts.formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return { weekday: get("weekday").toLowerCase(), time: `${get("hour")}:${get("minute")}` };
}

describe("plan: properties", () => {
  it(
    "never acts on paid, void or disputed invoices, or on opted-out or paused customers",
    () => {
      fc.assert(
        fc.property(scenarioArb, (scenario) => {
          const snapshots = snapshotsOf(scenario);
          const invoices = new Map(snapshots.flatMap((s) => s.invoices.map((i) => [i.externalId, i])));
          const customers = new Map(snapshots.map((s) => [s.customer.externalId, s]));
          for (const action of plan(scenario.policy, snapshots, scenario.now).actions) {
            const snap = customers.get(action.customerRef);
            expect(snap?.optedOut).toBe(false);
            const pausedUntil = snap?.pausedUntil ?? null;
            expect(pausedUntil === null || Date.parse(pausedUntil) <= scenario.now.getTime()).toBe(true);
            for (const ref of action.invoiceRefs) {
              expect(["open", "partially_paid"]).toContain(invoices.get(ref)?.status);
              expect(invoices.get(ref)?.openAmount.amountMinor).toBeGreaterThan(0);
            }
          }
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "gives every action a distinct key, and schedules messages inside the window, off holidays",
    () => {
      fc.assert(
        fc.property(scenarioArb, (scenario) => {
          const { actions } = plan(scenario.policy, snapshotsOf(scenario), scenario.now);
          expect(new Set(actions.map((a) => a.key)).size).toBe(actions.length);
          for (const action of actions.filter((a) => a.kind === "message")) {
            expect(Date.parse(action.dueAt)).toBeGreaterThanOrEqual(scenario.now.getTime());
            const { weekday, time } = localWeekdayAndTime(action.dueAt);
            const window = scenario.policy.window[weekday as keyof Policy["window"]];
            expect(window).not.toBeNull();
            expect(time >= (window as string).slice(0, 5) && time < (window as string).slice(6)).toBe(true);
            expect(localWeekdayAndTime(action.expiresAt as string)).toEqual({
              weekday,
              time: (window as string).slice(6),
            });
            for (const table of holidayTables) {
              const holiday = table.isHoliday(new Date(action.dueAt)) || [];
              expect(holiday.filter((h) => h.type === "public")).toEqual([]);
            }
          }
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "is deterministic whatever the order of snapshots and invoices, and pure",
    () => {
      fc.assert(
        fc.property(scenarioArb, fc.integer(), (scenario, seed) => {
          const snapshots = snapshotsOf(scenario);
          const before = structuredClone(snapshots);
          const first = plan(scenario.policy, snapshots, scenario.now);
          expect(snapshots).toEqual(before);
          const shuffled = shuffle(snapshots, seed).map((s) => ({
            ...s,
            invoices: shuffle(s.invoices, seed + 1),
          }));
          const second = plan(scenario.policy, shuffled, scenario.now);
          expect(byKey(second.actions)).toEqual(byKey(first.actions));
          expect(second.skips.length).toBe(first.skips.length);
        }),
        { numRuns: 150 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    "plans nothing new once the previous actions are in the history",
    () => {
      fc.assert(
        fc.property(scenarioArb, (scenario) => {
          const snapshots = snapshotsOf(scenario);
          const first = plan(scenario.policy, snapshots, scenario.now);
          const again = snapshots.map((s) => ({
            ...s,
            history: [
              ...s.history,
              ...first.actions
                .filter((a) => a.customerRef === s.customer.externalId)
                .map((a): ActionHistoryEntry => ({ ...a, status: "planned", sentAt: null, repliedAt: null })),
            ],
          }));
          expect(plan(scenario.policy, again, scenario.now).actions).toEqual([]);
        }),
        { numRuns: 200 },
      );
    },
    PROPERTY_TIMEOUT_MS,
  );
});

/** A seeded Fisher-Yates shuffle (tests only: the planner itself never uses randomness). */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const copy = [...items];
  let state = seed >>> 0 || 1;
  for (let i = copy.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    const j = state % (i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
