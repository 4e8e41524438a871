import { describe, expect, it } from "vitest";
import type { ActionHistoryEntry, CustomerSnapshot } from "../src/actions.js";
import { Customer, Invoice, type InvoiceInput } from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { type Policy, parsePolicy, SAMPLE_POLICY_YAML } from "../src/policy/index.js";

const sample = parsePolicy(SAMPLE_POLICY_YAML, "policy.yaml");
const uncapped: Policy = { ...sample, caps: { perCustomerPerDay: null, perCustomerPerWeek: null } };

function invoice(
  id: string,
  dueDate: string,
  openMinor = 50000,
  overrides: Partial<InvoiceInput> = {},
): Invoice {
  return Invoice.parse({
    source: "erp",
    externalId: id,
    number: `NF-${id}`,
    customerRef: "C1",
    issueDate: "2026-01-01",
    dueDate,
    total: { amountMinor: openMinor, currency: "BRL" },
    openAmount: { amountMinor: openMinor, currency: "BRL" },
    status: "open",
    ...overrides,
  });
}

function snapshot(invoices: Invoice[], more: Partial<CustomerSnapshot> = {}): CustomerSnapshot {
  return {
    customer: Customer.parse({
      source: "erp",
      externalId: "C1",
      name: "Maria Silva",
      phones: ["+5511987654321"],
    }),
    invoices,
    history: [],
    payments: { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
    optedOut: false,
    pausedUntil: null,
    ...more,
  };
}

function sent(
  stepId: string,
  invoiceRefs: string[],
  at: string,
  repliedAt: string | null = null,
): ActionHistoryEntry {
  return { key: `k-${stepId}-${at}`, stepId, invoiceRefs, status: "sent", dueAt: at, sentAt: at, repliedAt };
}

// 2026-11-24 is a Tuesday; America/Sao_Paulo is UTC-3 all year.
const TUESDAY_10H = new Date("2026-11-24T13:00:00Z");

describe("plan: when steps fire", () => {
  it("sends the D-3 reminder on the third day before the due date, inside today's window", () => {
    const snap = snapshot([invoice("1", "2026-11-27")]);
    expect(plan(uncapped, [snap], new Date("2026-11-23T13:00:00Z")).actions).toEqual([]);
    const [action, ...rest] = plan(uncapped, [snap], TUESDAY_10H).actions;
    expect(rest).toEqual([]);
    expect(action).toMatchObject({
      key: "erp:inv:1:lembrete-d-3:2026-11-27",
      stepId: "lembrete-d-3",
      kind: "message",
      channel: "wa",
      template: "lembrete_vencimento",
      invoiceRefs: ["1"],
      dueAt: "2026-11-24T13:00:00.000Z",
      expiresAt: "2026-11-24T23:00:00.000Z",
    });
    expect(action?.trace[0]).toEqual({
      rule: "step:lembrete-d-3",
      outcome: "fired",
      reason: "D-3: invoice due 2026-11-27 (in 3 days)",
    });
  });

  it("moves a Saturday-afternoon send to Monday's window, saying why", () => {
    // Due Wed 2026-11-25: D+3 is Sat 2026-11-28; 14:00 local is after Saturday's 09:00-13:00.
    const [action] = plan(
      uncapped,
      [snapshot([invoice("1", "2026-11-25")])],
      new Date("2026-11-28T17:00:00Z"),
    ).actions;
    expect(action?.stepId).toBe("vencida-d3");
    expect(action?.dueAt).toBe("2026-11-30T11:00:00.000Z");
    expect(action?.expiresAt).toBe("2026-11-30T23:00:00.000Z");
    const reasons = action?.trace.map((t) => `${t.rule} ${t.outcome}: ${t.reason}`);
    expect(reasons).toContain("window skipped: quiet hours: 14:00 is after sat window 09:00-13:00");
    expect(reasons).toContain("window skipped: 2026-11-29 (sun) has no send window");
    expect(reasons).toContain("schedule fired: moved to 2026-11-30 08:00 (America/Sao_Paulo)");
  });

  it("waits for the window to open in the morning", () => {
    const [action] = plan(
      uncapped,
      [snapshot([invoice("1", "2026-11-27")])],
      new Date("2026-11-24T09:30:00Z"),
    ).actions;
    expect(action?.dueAt).toBe("2026-11-24T11:00:00.000Z");
    expect(action?.trace.some((t) => t.reason.startsWith("quiet hours: 06:30 is before tue window"))).toBe(
      true,
    );
  });

  it("skips a holiday (Finados, Mon 2026-11-02) and the weekend before it", () => {
    // D0 of an invoice due Sat 2026-10-31, planned at 14:00 local that Saturday.
    const [action] = plan(
      uncapped,
      [snapshot([invoice("1", "2026-10-31")])],
      new Date("2026-10-31T17:00:00Z"),
    ).actions;
    expect(action?.stepId).toBe("vencimento-d0");
    expect(action?.dueAt).toBe("2026-11-03T11:00:00.000Z");
    expect(action?.trace).toContainEqual({
      rule: "holiday",
      outcome: "skipped",
      reason: "2026-11-02 (mon) is a holiday: Dia de Finados",
    });
  });

  it("never repeats a step in the history, and moves on to the next one", () => {
    const snap = snapshot([invoice("1", "2026-11-14")], {
      history: [sent("vencida-d7", ["1"], "2026-11-21T12:00:00Z")],
    });
    expect(plan(uncapped, [snap], TUESDAY_10H).actions).toEqual([]);
    const later = plan(uncapped, [snap], new Date("2026-11-30T13:00:00Z")).actions.map((a) => a.stepId);
    expect(later.sort()).toEqual(["vencida-d15"]);
  });
});

describe("plan: a moved due date", () => {
  // Sent for the old due date 2026-11-14: D-3, D0 and D+3 (on their days).
  const history = [
    sent("lembrete-d-3", ["1"], "2026-11-11T12:00:00Z"),
    sent("vencimento-d0", ["1"], "2026-11-14T12:00:00Z"),
    sent("vencida-d3", ["1"], "2026-11-17T12:00:00Z"),
  ];

  it("starts the régua over when the ERP extends the due date", () => {
    const extended = snapshot([invoice("1", "2026-11-27")], { history }); // renegotiated to the 27th
    const { actions } = plan(uncapped, [extended], TUESDAY_10H);
    expect(actions.map((a) => a.key)).toEqual(["erp:inv:1:lembrete-d-3:2026-11-27"]);
    const onTheOldDate = snapshot([invoice("1", "2026-11-14")], { history });
    expect(plan(uncapped, [onTheOldDate], new Date("2026-11-19T13:00:00Z")).actions).toEqual([]);
  });
});

describe("plan: catch-up", () => {
  const missed = snapshot([invoice("1", "2026-11-14")]); // 10 days overdue on Tuesday: D+3 and D+7 missed

  it("latest: sends only the latest missed step and names the one it replaces", () => {
    const { actions } = plan(uncapped, [missed], TUESDAY_10H);
    expect(actions.map((a) => a.stepId)).toEqual(["vencida-d7"]);
    expect(actions[0]?.trace).toContainEqual({
      rule: "step:vencida-d3",
      outcome: "skipped",
      reason: "catch-up: missed, superseded by vencida-d7",
    });
  });

  it("all: sends every missed step (caps permitting)", () => {
    const all: Policy = { ...uncapped, catchUp: "all", catchUpMaxDays: null };
    const steps = plan(all, [missed], TUESDAY_10H).actions.map((a) => a.stepId);
    expect(steps.sort()).toEqual(["lembrete-d-3", "vencida-d3", "vencida-d7", "vencimento-d0"]);
  });
});

describe("plan: conditions", () => {
  const day16 = new Date("2026-11-30T13:00:00Z"); // an invoice due 2026-11-14 is 16 days overdue

  it("escalates at D+15 only over R$ 1.000,00", () => {
    const big = plan(uncapped, [snapshot([invoice("1", "2026-11-14", 150000)])], day16);
    const escalation = big.actions.find((a) => a.kind === "escalate");
    expect(big.actions.map((a) => a.stepId).sort()).toEqual(["escalar-d15", "vencida-d15"]);
    expect(escalation).toMatchObject({ channel: null, template: null, dueAt: "2026-11-30T13:00:00.000Z" });
    expect(escalation?.payload).toMatchObject({ queue: "cobranca", target: "operator", offsetDays: 15 });

    const small = plan(uncapped, [snapshot([invoice("1", "2026-11-14", 99999)])], day16);
    expect(small.actions.map((a) => a.stepId)).toEqual(["vencida-d15"]);
    expect(small.actions[0]?.trace).toContainEqual({
      rule: "conditions:escalar-d15",
      outcome: "skipped",
      reason: "open amount 999.99 BRL < minOpenAmount 1000.00",
    });
    expect(small.skips).toContainEqual(
      expect.objectContaining({ stepId: "escalar-d15", reason: "condition", invoiceRefs: ["1"] }),
    );
  });

  it("noReplyTo: no D+7 reminder after the customer answered D+3", () => {
    const history = [sent("vencida-d3", ["1"], "2026-11-17T12:00:00Z", "2026-11-17T12:30:00Z")];
    const result = plan(uncapped, [snapshot([invoice("1", "2026-11-14")], { history })], TUESDAY_10H);
    expect(result.actions).toEqual([]);
    expect(result.skips[0]?.trace[0]?.reason).toBe("customer replied to vencida-d3 (noReplyTo)");
  });
});

describe("plan: skips", () => {
  it("skips opted-out and paused customers and paid, void, disputed invoices", () => {
    const invoices = [invoice("1", "2026-11-14")];
    expect(plan(uncapped, [snapshot(invoices, { optedOut: true })], TUESDAY_10H)).toMatchObject({
      actions: [],
      skips: [{ reason: "opted_out", invoiceRefs: ["1"] }],
    });
    const paused = snapshot(invoices, { pausedUntil: "2026-12-01T00:00:00Z" });
    expect(plan(uncapped, [paused], TUESDAY_10H).skips[0]?.reason).toBe("paused");
    const pausedBefore = snapshot(invoices, { pausedUntil: "2026-11-20T00:00:00Z" });
    expect(plan(uncapped, [pausedBefore], TUESDAY_10H).actions).toHaveLength(1);
    for (const status of ["paid", "void", "disputed"] as const) {
      const result = plan(uncapped, [snapshot([invoice("1", "2026-11-14", 500, { status })])], TUESDAY_10H);
      expect(result).toMatchObject({ actions: [], skips: [{ reason: status, stepId: null }] });
    }
  });

  it("does not message a customer without a phone, but still escalates", () => {
    const snap = snapshot([invoice("1", "2026-11-14", 150000)]);
    snap.customer = { ...snap.customer, phones: [] };
    const result = plan(uncapped, [snap], new Date("2026-11-30T13:00:00Z"));
    expect(result.actions.map((a) => a.stepId)).toEqual(["escalar-d15"]);
    expect(result.skips.map((s) => s.reason)).toEqual(["no_phone"]);
  });
});

describe("plan: caps and grouping", () => {
  const twoDue = [invoice("2", "2026-11-17"), invoice("1", "2026-11-20")]; // D+7 and D+4: vencida-d7, vencida-d3

  it("caps messages per customer per day, keeping the most advanced step", () => {
    const result = plan(sample, [snapshot(twoDue)], TUESDAY_10H);
    expect(result.actions.map((a) => a.stepId)).toEqual(["vencida-d7"]);
    expect(result.skips).toMatchObject([{ reason: "cap", stepId: "vencida-d3", invoiceRefs: ["1"] }]);
    const sentToday = snapshot(twoDue, { history: [sent("vencida-d3", ["9"], "2026-11-24T12:00:00Z")] });
    expect(plan(sample, [sentToday], TUESDAY_10H).actions).toEqual([]);
  });

  it("caps per week, counting the history since Monday", () => {
    const weekly: Policy = { ...sample, caps: { perCustomerPerDay: 5, perCustomerPerWeek: 3 } };
    const history = [
      sent("vencida-d3", ["7"], "2026-11-23T12:00:00Z"),
      sent("vencida-d3", ["8"], "2026-11-23T13:00:00Z"),
      sent("vencida-d3", ["9"], "2026-11-22T13:00:00Z"), // Sunday: the previous week
    ];
    const result = plan(weekly, [snapshot(twoDue, { history })], TUESDAY_10H);
    expect(result.actions).toHaveLength(1);
    expect(result.skips[0]?.trace[1]?.reason).toMatch(/perCustomerPerWeek 3 reached/);
  });

  it("grouping customer: one message per step listing the invoices with that due date", () => {
    const grouped: Policy = { ...uncapped, grouping: "customer" };
    const invoices = [invoice("b", "2026-11-17"), invoice("a", "2026-11-17"), invoice("c", "2026-11-20")];
    const { actions } = plan(grouped, [snapshot(invoices)], TUESDAY_10H);
    const d7 = actions.find((a) => a.stepId === "vencida-d7");
    expect(d7?.invoiceRefs).toEqual(["a", "b"]);
    expect(d7?.key).toMatch(/^erp:cust:C1:vencida-d7:2026-11-17:[0-9a-f]{8}$/);
    expect(d7?.trace[0]?.reason).toBe("D+7: 2 invoices due 2026-11-17 (7 days overdue)");
    expect(actions.map((a) => `${a.stepId} ${a.invoiceRefs}`).sort()).toEqual([
      "vencida-d3 c",
      "vencida-d7 a,b",
    ]);
    expect(new Set(actions.map((a) => a.key)).size).toBe(2);
  });

  it("grouping customer: amount conditions look at the customer's open total", () => {
    const grouped: Policy = { ...uncapped, grouping: "customer" };
    const invoices = [invoice("1", "2026-11-14", 60000), invoice("2", "2026-11-14", 60000)];
    const { actions } = plan(grouped, [snapshot(invoices)], new Date("2026-11-30T13:00:00Z"));
    expect(actions.find((a) => a.kind === "escalate")?.invoiceRefs).toEqual(["1", "2"]);
  });
});

describe("plan: traces", () => {
  it("says why a condition failed in the policy's words", () => {
    const result = plan(
      uncapped,
      [snapshot([invoice("1", "2026-11-14", 78055)])],
      new Date("2026-11-30T13:00:00Z"),
    );
    expect(result.skips).toContainEqual(
      expect.objectContaining({
        stepId: "escalar-d15",
        trace: [
          {
            rule: "conditions:escalar-d15",
            outcome: "skipped",
            reason: "open amount 780.55 BRL < minOpenAmount 1000.00",
          },
        ],
      }),
    );
  });
});
