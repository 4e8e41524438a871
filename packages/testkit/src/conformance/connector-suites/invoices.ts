import { type Invoice, isOlderCopy } from "@regua/core";
import { expect } from "vitest";
import type { ConnectorHarness } from "./harness.js";

/** What a change in the ERP must move. */
export function fingerprint(invoice: Invoice) {
  return { status: invoice.status, openAmount: invoice.openAmount, updatedAt: invoice.updatedAt };
}

/**
 * The store keeps the newest copy of a record by `updatedAt` when syncs overlap (`isOlderCopy`):
 * a copy read after a change must not look older than the one read before it, or the change
 * would be kept out of the store.
 */
export function expectNotOlder(after: Invoice, before: Invoice): void {
  const why = `invoice ${before.externalId}: updatedAt ${after.updatedAt} after its change is older than ${before.updatedAt} before it`;
  expect(isOlderCopy(after, before), why).toBe(false);
}

const changed = new WeakMap<ConnectorHarness, Set<string>>();

/** An open invoice with money due that no earlier check changed (each suite mutates its own). */
export async function pickOpenInvoice(h: ConnectorHarness): Promise<Invoice> {
  const used = changed.get(h) ?? new Set<string>();
  changed.set(h, used);
  const invoices = (await h.fullListing("invoices")).flatMap((page) => page.items) as Invoice[];
  const target = invoices.find(
    (inv) => inv.status === "open" && inv.openAmount.amountMinor > 0 && !used.has(inv.externalId),
  );
  expect(target, "the fixture has an open invoice left to change").toBeDefined();
  used.add(target!.externalId);
  return target!;
}
