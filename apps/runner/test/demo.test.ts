import { describe, expect, it } from "vitest";
import { CommandFailed } from "../src/commands/shared.js";
import { demoCommand } from "../src/demo/command.js";
import { narrator } from "../src/demo/stages.js";

/** `regua demo` in-process on a small book: the whole cycle against the bundled fakes. */
describe("regua demo", () => {
  it("syncs, sends, applies status webhooks, stops on payment, writes back and reports", async () => {
    const out: string[] = [];
    await demoCommand(
      { erp: "rest", customers: 40, keep: false },
      { out: (s) => out.push(s), err: () => {}, isTTY: false },
    );
    const text = out.join("\n");
    const count = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? Number.NaN);
    expect(count(/(\d+) invoices synced/)).toBeGreaterThan(40);
    expect(count(/(\d+) messages sent through wa \(whatsapp\)/)).toBeGreaterThan(0);
    expect(count(/(\d+) status webhook\(s\) verified and applied/)).toBeGreaterThan(0);
    expect(count(/(\d+) planned action\(s\) stopped by payment/)).toBeGreaterThan(0);
    expect(count(/(\d+) payment confirmation\(s\) sent/)).toBeGreaterThan(0);
    const written = /(\d+) collection activities written back \((\d+) in the ERP\)/.exec(text);
    expect(Number(written?.[1])).toBeGreaterThan(0);
    expect(written?.[1]).toBe(written?.[2]);
    expect(text).toMatch(/fired\s+step:/);
    expect(text).toMatch(/Messages by status[^\n]*\n[\s\S]*read\s+\d+/);
    expect(text).toMatch(/\n\S+\s+C\d+\s+\S+\s+skipped\s+paid\n/);
    // A first run does not escalate old debts wholesale (it used to: 293 escalations, 83 messages);
    // steps past catchUpMaxDays are reported for an operator instead.
    const planned = /(\d+) message\(s\), (\d+) escalation\(s\)/.exec(text);
    expect(Number(planned?.[2])).toBeLessThanOrEqual(Number(planned?.[1]));
    expect(text).toMatch(/\d+ step\(s\) more than catchUpMaxDays late wait for an operator/);
  }, 120_000);

  it("fails instead of printing ✔ when a stage did nothing", () => {
    const out: string[] = [];
    const show = narrator((s) => out.push(s));
    show.done(3, "3 invoices synced");
    expect(() => show.done(0, "0 messages sent through wa")).toThrow(CommandFailed);
    expect(() => show.done(0, "0 messages sent through wa")).toThrow(
      "demo: a stage did nothing: 0 messages sent through wa",
    );
    expect(out).toEqual(["✔ 3 invoices synced"]);
  });

  it("runs against the SAP Business One Service Layer fake with --erp sap-b1", async () => {
    const out: string[] = [];
    await demoCommand(
      { erp: "sap-b1", customers: 20, keep: false },
      { out: (s) => out.push(s), err: () => {}, isTTY: false },
    );
    const text = out.join("\n");
    expect(text).toContain("@regua/connector-sap-b1 → fake SAP B1 Service Layer (v2)");
    expect(Number(/(\d+) invoices synced/.exec(text)?.[1])).toBeGreaterThan(20);
    expect(Number(/(\d+) payment confirmation\(s\) sent/.exec(text)?.[1])).toBeGreaterThan(0);
    const written = /(\d+) collection activities written back \((\d+) in the ERP\)/.exec(text);
    expect(Number(written?.[1])).toBeGreaterThan(0);
    expect(written?.[1]).toBe(written?.[2]);
  }, 180_000);
});
