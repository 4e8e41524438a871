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
