import { expect, it } from "vitest";
import { AT, customer, invoice, type StoreFactory } from "./fixtures.js";
import { useStore } from "./suite.js";

const NOW = "2026-03-10T12:00:00.000Z";
const LATER = "2026-03-10T12:00:05.000Z";

/** Pauses by kind, numbers flagged undeliverable, and message costs (wa, issue 9). */
export function contactTests(factory: StoreFactory): void {
  const store = useStore(factory);

  it("keeps what set a pause, and lifts it with until: null", async () => {
    expect(await store().getPause("erp", "C1")).toBeNull();
    const until = "9999-12-31T23:59:59.999Z";
    await store().setPause({
      source: "erp",
      customerRef: "C1",
      until,
      reason: "já paguei",
      at: AT,
      kind: "awaiting_payment",
    });
    expect(await store().getPause("erp", "C1")).toEqual({
      source: "erp",
      customerRef: "C1",
      until,
      reason: "já paguei",
      kind: "awaiting_payment",
      at: AT,
    });
    await store().setPause({ source: "erp", customerRef: "C1", until: null, reason: "paid", at: LATER });
    expect(await store().getPause("erp", "C1")).toMatchObject({ until: null, kind: "policy", at: LATER });
  });

  it("reads a claimed batch's records and opt-outs in one call each (the dispatcher's reads)", async () => {
    const customers = [customer("C1"), customer("C2"), customer("C3")];
    await store().commitPage({ source: "erp", entity: "customers", customers, cursor: null, at: AT });
    await store().commitPage({
      source: "erp",
      entity: "invoices",
      invoices: [invoice("I1", "C1"), invoice("I2", "C2")],
      cursor: null,
      at: AT,
    });
    const byId = (records: readonly { externalId: string }[]) =>
      [...records].sort((a, b) => a.externalId.localeCompare(b.externalId));
    // Each as getCustomer/getInvoice returns it; unknown ids and repeats are ignored.
    expect(byId(await store().getCustomers("erp", ["C2", "C1", "C9", "C1"]))).toEqual([
      await store().getCustomer("erp", "C1"),
      await store().getCustomer("erp", "C2"),
    ]);
    expect(await store().getCustomers("other", ["C1"])).toEqual([]);
    expect(await store().getCustomers("erp", [])).toEqual([]);
    expect(byId(await store().getInvoices("erp", ["I2", "I1", "I7"]))).toEqual([
      await store().getInvoice("erp", "I1"),
      await store().getInvoice("erp", "I2"),
    ]);

    const phone = (c: (typeof customers)[number]) => c.phones[0] as string;
    await store().setOptOut({
      phone: phone(customers[0]!),
      source: null,
      customerRef: null,
      reason: "SAIR",
      at: AT,
    });
    await store().setOptOut({ phone: null, source: "erp", customerRef: "C2", reason: "operator", at: AT });
    await store().setOptOut({ phone: null, source: "other", customerRef: "C3", reason: "operator", at: AT });
    const named = customers.map((c) => ({ source: c.source, customerRef: c.externalId }));
    const found = await store().optedOut({ phones: customers.map(phone), customers: named });
    expect(found).toEqual({
      phones: [phone(customers[0]!)],
      customers: [{ source: "erp", customerRef: "C2" }],
    });
    // The same answers as one question at a time.
    for (const c of customers) {
      expect(found.phones.includes(phone(c))).toBe(await store().isOptedOut({ phone: phone(c) }));
    }
    expect(await store().optedOut({ phones: [], customers: [] })).toEqual({ phones: [], customers: [] });
  });

  it("flags a number, reports it, hands it to snapshots, and clears it", async () => {
    const c = customer("C1");
    const phone = c.phones[0] as string;
    await store().commitPage({ source: "erp", entity: "customers", customers: [c], cursor: null, at: AT });
    await store().commitPage({
      source: "erp",
      entity: "invoices",
      invoices: [invoice("I1", "C1")],
      cursor: null,
      at: AT,
    });
    const flag = { phone, channel: "wa", code: "131026", reason: "131026: Message undeliverable", at: AT };
    await store().flagPhone(flag);
    await store().flagPhone({ ...flag, at: LATER });
    expect(await store().phoneFlags([phone, "+5511900000000"])).toEqual([{ ...flag, at: LATER }]);
    expect((await store().report(NOW)).flaggedPhones).toEqual([{ ...flag, at: LATER }]);
    const [batch] = await collect(store().snapshots({ now: NOW }));
    expect(batch?.[0]?.undeliverablePhones).toEqual([phone]);

    expect(await store().clearPhoneFlag(phone)).toBe(true);
    expect(await store().clearPhoneFlag(phone)).toBe(false);
    expect(await store().phoneFlags([phone])).toEqual([]);
    const [after] = await collect(store().snapshots({ now: NOW }));
    expect(after?.[0]?.undeliverablePhones ?? []).toEqual([]);
  });

  it("keeps one cost row per message and counts messages by pricing category", async () => {
    const base = {
      actionKey: "erp:I1:d3",
      channel: "wa",
      billable: true,
      category: "utility",
      pricingModel: "PMP",
      conversationId: "a75d17ad06104c51166f948319b03c6a",
      conversationOrigin: "utility",
      at: AT,
    };
    await store().recordMessageCost({
      ...base,
      providerMessageId: "wamid.1",
      conversationExpiresAt: "2026-03-11T12:00:00.000Z",
    });
    // The delivered status carries no expiry: the one from "sent" is kept.
    await store().recordMessageCost({
      ...base,
      providerMessageId: "wamid.1",
      conversationExpiresAt: null,
      at: LATER,
    });
    await store().recordMessageCost({ ...base, providerMessageId: "wamid.2", conversationExpiresAt: null });
    await store().recordMessageCost({
      ...base,
      providerMessageId: "wamid.3",
      category: "service",
      billable: false,
      conversationExpiresAt: null,
    });
    const { messagesByPricing } = await store().report(NOW);
    expect(messagesByPricing).toEqual([
      { channel: "wa", category: "service", billable: false, count: 1 },
      { channel: "wa", category: "utility", billable: true, count: 2 },
    ]);
  });
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
