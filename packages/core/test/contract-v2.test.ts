import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import type { CustomerSnapshot } from "../src/actions.js";
import { defineConnector, type PluginContext } from "../src/contracts.js";
import { isReguaError } from "../src/errors.js";
import { MemoryKeyValueState } from "../src/kv-memory.js";
import {
  Customer,
  DUNNABLE_STATUSES,
  Invoice,
  InvoiceDocument,
  type InvoiceStatus,
  isDunnable,
} from "../src/model.js";
import { plan } from "../src/planner/index.js";
import { parsePolicy } from "../src/policy/index.js";
import { recordingLogger, SteppingClock } from "./support/clocks-and-logs.js";
import { customer, invoice } from "./support/harness.js";

const policy = parsePolicy(
  `timezone: UTC
window: { mon: "00:00-24:00", tue: "00:00-24:00", wed: "00:00-24:00", thu: "00:00-24:00", fri: "00:00-24:00", sat: "00:00-24:00", sun: "00:00-24:00" }
caps: { perCustomerPerDay: null, perCustomerPerWeek: null }
steps:
  - id: d3
    offsetDays: 3
    channel: wa
    template: { name: vencida }
  - id: d3-vip
    offsetDays: 3
    channel: wa
    template: { name: vencida_vip }
    conditions: { tags: [vip, gold], notTags: [in_court] }
`,
  "policy.yaml",
);
const now = new Date("2026-03-10T12:00:00Z");
const brl = (amountMinor: number) => ({ amountMinor, currency: "BRL" });

function snapshot(tags: string[], overrides: Partial<z.input<typeof Invoice>> = {}): CustomerSnapshot {
  const invoices = [
    invoice("I1", "C1", { dueDate: "2026-03-07", total: brl(30_000), openAmount: brl(30_000), ...overrides }),
  ];
  const payments = { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 };
  return {
    customer: customer("C1", { tags }),
    invoices,
    history: [],
    payments,
    optedOut: false,
    pausedUntil: null,
  };
}

describe("model v2", () => {
  it("has one dunnable set: open, partially paid and disputed", () => {
    expect([...DUNNABLE_STATUSES]).toEqual(["open", "partially_paid", "disputed"]);
    for (const status of ["paid", "void", "cancelled", "renegotiated", "written_off"] as const)
      expect(isDunnable(status)).toBe(false);
  });

  it("keeps company-currency amounts, unapplied credit and installments, and checks their currencies", () => {
    const usd = { amountMinor: 10_000, currency: "USD" };
    const invoice = Invoice.parse({
      ...snapshot([]).invoices[0],
      total: usd,
      openAmount: usd,
      companyTotal: brl(50_000),
      companyOpenAmount: brl(50_000),
    });
    expect(invoice.companyOpenAmount).toEqual(brl(50_000));
    const customer = Customer.parse({
      source: "erp",
      externalId: "C1",
      name: "Ana",
      unappliedCredit: brl(1_000),
    });
    expect(customer.unappliedCredit).toEqual(brl(1_000));
    const wrong = Invoice.safeParse({
      ...invoice,
      installments: [
        { number: 1, dueDate: "2026-03-07", amount: brl(1), openAmount: brl(1), status: "open" },
      ],
    });
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0]?.path).toEqual(["installments", 0, "amount", "currency"]);
  });

  it("parses documents as files, texts or links", () => {
    const pdf = InvoiceDocument.parse({
      type: "file",
      kind: "boleto_pdf",
      bytes: new Uint8Array([37, 80, 68, 70]),
      mime: "application/pdf",
      filename: "boleto.pdf",
    });
    expect(pdf.type).toBe("file");
    expect(InvoiceDocument.safeParse({ type: "text", kind: "pix_code", text: "" }).success).toBe(false);
    expect(InvoiceDocument.safeParse({ type: "url", kind: "payment_link", url: "not a url" }).success).toBe(
      false,
    );
  });
});

describe("planner v2", () => {
  it("duns each open installment by its own due date, with its own amount and key", () => {
    const installment = (number: number, dueDate: string, status: InvoiceStatus = "open") => ({
      number,
      dueDate,
      amount: brl(10_000),
      openAmount: brl(status === "paid" ? 0 : 10_000),
      status,
    });
    const result = plan(
      policy,
      [
        snapshot([], {
          installments: [
            installment(1, "2026-02-05", "paid"),
            installment(2, "2026-03-07"),
            installment(3, "2026-04-07"),
          ],
        }),
      ],
      now,
    );
    expect(result.actions).toHaveLength(1);
    const [action] = result.actions;
    expect(action?.payload).toMatchObject({ dueDate: "2026-03-07" });
    expect(action?.key).toContain("2026-03-07");
    expect(action?.trace[0]?.reason).toContain("due 2026-03-07");
  });

  it("matches steps on customer tags (tags: any of; notTags: none of)", () => {
    const steps = (tags: string[]) =>
      plan(policy, [snapshot(tags)], now)
        .actions.map((a) => a.stepId)
        .sort();
    expect(steps([])).toEqual(["d3"]);
    expect(steps(["gold"])).toEqual(["d3", "d3-vip"]);
    expect(steps(["gold", "in_court"])).toEqual(["d3"]);
    const skipped = plan(policy, [snapshot(["gold", "in_court"])], now).skips.find(
      (s) => s.stepId === "d3-vip",
    );
    expect(skipped?.trace.at(-1)?.reason).toBe('customer is tagged "in_court" (notTags)');
  });

  it("skips cancelled, renegotiated, written-off and deleted invoices with that reason", () => {
    for (const status of ["cancelled", "renegotiated", "written_off"] as const) {
      const result = plan(policy, [snapshot([], { status })], now);
      expect(result.actions).toEqual([]);
      expect(result.skips[0]?.reason).toBe(status);
    }
    const deleted = plan(policy, [snapshot([], { deletedAt: "2026-03-09T00:00:00Z" })], now);
    expect(deleted.skips[0]?.reason).toBe("deleted");
  });
});

function createTestContext(): PluginContext {
  return {
    instanceId: "acme",
    http: () => {
      throw new Error("no HTTP in this test");
    },
    clock: new SteppingClock("2026-03-10T12:00:00.000Z"),
    log: recordingLogger(),
    state: new MemoryKeyValueState(),
    signal: new AbortController().signal,
  };
}

describe("typed capabilities", () => {
  const base = {
    displayName: "Acme",
    optionsSchema: z.object({}),
  };
  const connector = {
    async *listCustomers() {},
    async *listInvoices() {},
    healthCheck: async () => ({ ok: true, detail: "ok" }),
    close: async () => {},
  };

  it("requires at compile time what a definition declares", () => {
    defineConnector({
      ...base,
      id: "@acme/ok",
      capabilities: { getInvoice: true },
      create: () => ({ ...connector, getInvoice: async () => null }),
    });
    defineConnector({
      ...base,
      id: "@acme/missing",
      capabilities: { getInvoice: true, lookups: false },
      // @ts-expect-error getInvoice is declared, so create must return it
      create: () => connector,
    });
    defineConnector({
      ...base,
      id: "@acme/lookups",
      capabilities: { lookups: true },
      // @ts-expect-error lookups needs findCustomersByTaxId and listOpenInvoices
      create: () => ({ ...connector, findCustomersByTaxId: async () => [] }),
    });
    expectTypeOf(
      defineConnector({ ...base, id: "x", capabilities: {}, create: () => connector }).capabilities,
    )
      .toHaveProperty("documents")
      .toEqualTypeOf<boolean>();
  });

  it("resolves capabilities once: declared, per-instance options, or a ConfigError when missing", async () => {
    const ctx = createTestContext();
    const optional = defineConnector({
      ...base,
      id: "@acme/options",
      capabilities: { payments: "options", getInvoice: "options", documents: false },
      create: () => ({ ...connector, getInvoice: async () => null, getDocument: async () => null }),
    });
    expect(optional.capabilities).toMatchObject({
      payments: true,
      getInvoice: true,
      documents: false,
      lookups: false,
    });
    const instance = await optional.create({}, ctx);
    expect(instance.capabilities).toEqual({
      payments: false,
      getInvoice: true,
      writeActivity: false,
      webhooks: false,
      documents: false,
      lookups: false,
    });
    // A plugin written without the types: the promise is checked at create().
    const untyped = defineConnector({
      ...base,
      id: "@acme/liar",
      capabilities: { writeActivity: true as boolean },
      create: () => connector,
    });
    const error = await untyped.create({}, ctx).catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("CONFIG");
    expect(String(error)).toContain('@acme/liar declares the "writeActivity" capability');
  });
});
