import type { Invoice } from "@regua/core";
import { expect, it } from "vitest";
import { AT, customer, invoice, payment, SOURCE, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

export function recordsTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("migrate() is idempotent", async () => {
    await store().migrate();
    await store().migrate();
    expect(await store().getCursor(SOURCE, "invoices")).toBeNull();
  });

  it("commitPage upserts records and advances the cursor together", async () => {
    const c1 = customer("C1", { email: "ana@example.com" });
    const i1 = invoice("I1", "C1", { instruments: { pixCode: "000201pix" } });
    const result = await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      customers: [c1],
      invoices: [i1],
      cursor: "page-1",
      at: AT,
    });
    expect(result).toEqual({ upserted: 2, stale: 0, changes: [] });
    expect(await store().getCursor(SOURCE, "invoices")).toBe("page-1");
    expect(await store().getCursor(SOURCE, "customers")).toBeNull();
    expect(await store().getCustomer(SOURCE, "C1")).toEqual(c1);
    expect(await store().getInvoice(SOURCE, "I1")).toEqual(i1);
    expect(await store().getInvoice(SOURCE, "nope")).toBeNull();

    const changed = invoice("I1", "C1", { dueDate: "2026-04-01" });
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [changed],
      cursor: "page-2",
      at: AT,
    });
    expect((await store().getInvoice(SOURCE, "I1"))?.dueDate).toBe("2026-04-01");
    expect(await store().getCursor(SOURCE, "invoices")).toBe("page-2");
  });

  it("commitPage reports each invoice's status change, previous → current, and nothing else", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [
        invoice("open", "C1"),
        invoice("partial", "C1", { status: "partially_paid" }),
        invoice("disputed", "C2", { status: "disputed" }),
        invoice("already", "C2", { status: "paid" }),
        invoice("void", "C2", { status: "void" }),
        invoice("to-cancel", "C3"),
        invoice("to-renegotiate", "C3"),
        invoice("written-off", "C3", { status: "written_off" }),
        invoice("stays-open", "C3"),
      ],
      cursor: "1",
      at: AT,
    });
    const paid = (id: string, ref: string) => invoice(id, ref, { status: "paid" });
    const result = await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [
        paid("open", "C1"),
        paid("partial", "C1"),
        paid("disputed", "C2"),
        paid("already", "C2"),
        paid("void", "C2"),
        paid("brand-new", "C4"),
        invoice("to-cancel", "C3", { status: "cancelled" }),
        invoice("to-renegotiate", "C3", { status: "renegotiated", replacedBy: ["R1", "R2"] }),
        paid("written-off", "C3"),
        invoice("stays-open", "C3"),
      ],
      cursor: "2",
      at: AT,
    });
    expect(result.upserted).toBe(10);
    const change = (
      externalId: string,
      customerRef: string,
      previous: string,
      current: string,
      replacedBy: string[] = [],
    ) => ({
      externalId,
      customerRef,
      previous,
      current,
      replacedBy,
    });
    expect(result.changes).toEqual([
      change("open", "C1", "open", "paid"),
      change("partial", "C1", "partially_paid", "paid"),
      change("disputed", "C2", "disputed", "paid"),
      change("void", "C2", "void", "paid"),
      change("to-cancel", "C3", "open", "cancelled"),
      change("to-renegotiate", "C3", "open", "renegotiated", ["R1", "R2"]),
      change("written-off", "C3", "written_off", "paid"),
    ]);
  });

  it("a page that fails leaves nothing half-written, cursor included", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I0", "C1")],
      cursor: "0",
      at: AT,
    });
    const good = invoice("I1", "C1");
    // Bypasses the schema on purpose: the database's own CHECK must reject the page.
    const bad = { ...invoice("I2", "C1"), openAmount: { amountMinor: -5, currency: "BRL" } } as Invoice;
    const updatedI0 = invoice("I0", "C1", { status: "paid" });
    await expect(
      store().commitPage({
        source: SOURCE,
        entity: "invoices",
        customers: [customer("C1")],
        invoices: [updatedI0, good, bad],
        cursor: "1",
        at: AT,
      }),
    ).rejects.toThrow();
    expect(await store().getInvoice(SOURCE, "I1")).toBeNull();
    expect(await store().getCustomer(SOURCE, "C1")).toBeNull();
    expect((await store().getInvoice(SOURCE, "I0"))?.status).toBe("open");
    expect(await store().getCursor(SOURCE, "invoices")).toBe("0");
  });

  it("a page naming a record twice keeps the last one", async () => {
    const result = await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I1", "C1"), invoice("I1", "C1", { number: "second" })],
      cursor: null,
      at: AT,
    });
    expect(result.upserted).toBe(1);
    expect((await store().getInvoice(SOURCE, "I1"))?.number).toBe("second");
    expect(await store().getCursor(SOURCE, "invoices")).toBeNull();
  });

  it("upsertInvoice writes one invoice without moving the cursor", async () => {
    await store().commitPage({
      source: SOURCE,
      entity: "invoices",
      invoices: [invoice("I1", "C1")],
      cursor: "c",
      at: AT,
    });
    await store().upsertInvoice(invoice("I1", "C1", { status: "paid" }), AT);
    await store().upsertInvoice(invoice("I2", "C1"), AT);
    expect((await store().getInvoice(SOURCE, "I1"))?.status).toBe("paid");
    expect((await store().getInvoice(SOURCE, "I2"))?.externalId).toBe("I2");
    expect(await store().getCursor(SOURCE, "invoices")).toBe("c");
  });

  it("finds customers by phone, following phone changes", async () => {
    const shared = "+5511911112222";
    await store().commitPage({
      source: SOURCE,
      entity: "customers",
      customers: [
        customer("C1", { phones: [shared] }),
        customer("C2", { phones: [shared, "+5511933334444"] }),
      ],
      cursor: null,
      at: AT,
    });
    expect((await store().findCustomersByPhone(shared)).map((c) => c.externalId)).toEqual(["C1", "C2"]);
    await store().commitPage({
      source: SOURCE,
      entity: "customers",
      customers: [customer("C1", { phones: ["+5511955556666"] })],
      cursor: null,
      at: AT,
    });
    expect((await store().findCustomersByPhone(shared)).map((c) => c.externalId)).toEqual(["C2"]);
    expect((await store().findCustomersByPhone("+5511955556666")).map((c) => c.externalId)).toEqual(["C1"]);
    expect(await store().findCustomersByPhone("+5511900000000")).toEqual([]);
  });

  it("stores payments with their allocations", async () => {
    const p1 = payment("P1", "I1", "2026-03-01");
    const result = await store().commitPage({
      source: SOURCE,
      entity: "payments",
      payments: [p1],
      cursor: "p",
      at: AT,
    });
    expect(result.upserted).toBe(1);
    expect(await store().getCursor(SOURCE, "payments")).toBe("p");
  });

  it("keeps money as exact integer minor units, beyond 32 bits", async () => {
    const big = invoice("BIG", "C1", {
      total: { amountMinor: 900_000_000_000_01, currency: "BRL" },
      openAmount: { amountMinor: 900_000_000_000_01, currency: "BRL" },
    });
    await store().commitPage({ source: SOURCE, entity: "invoices", invoices: [big], cursor: null, at: AT });
    expect((await store().getInvoice(SOURCE, "BIG"))?.openAmount.amountMinor).toBe(900_000_000_000_01);
    const report = await store().report("2026-03-10T00:00:00Z");
    expect(report.aging.find((row) => row.bucket === "1-30")?.openAmountMinor).toBe(900_000_000_000_01);
  });
}
