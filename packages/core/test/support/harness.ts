import type { ActionRow } from "../../src/actions.js";
import type { ChannelEvent } from "../../src/contracts.js";
import { createEngine, type Engine, type EngineLimits } from "../../src/engine/index.js";
import { Customer, type CustomerInput, Invoice, type InvoiceInput } from "../../src/model.js";
import { type Policy, type PolicyInput, PolicySchema } from "../../src/policy/index.js";
import { recordingLogger, SteppingClock } from "./clocks-and-logs.js";
import { FakeChannel } from "./fake-channel.js";
import { FakeConnector } from "./fake-connector.js";
import { MemoryStore } from "./memory-store.js";

export const START = "2026-03-10T12:00:00.000Z";
export const SOURCE = "erp";
export const CHANNEL = "wa";

export function customer(externalId: string, overrides: Partial<CustomerInput> = {}): Customer {
  return Customer.parse({
    source: SOURCE,
    externalId,
    name: `Cliente ${externalId}`,
    phones: ["+5511987650000"],
    ...overrides,
  });
}

export function invoice(
  externalId: string,
  customerRef: string,
  overrides: Partial<InvoiceInput> = {},
): Invoice {
  return Invoice.parse({
    source: SOURCE,
    externalId,
    number: `NF-${externalId}`,
    customerRef,
    issueDate: "2026-02-01",
    dueDate: "2026-03-01",
    total: { amountMinor: 10_000, currency: "BRL" },
    openAmount: { amountMinor: 10_000, currency: "BRL" },
    status: "open",
    ...overrides,
  });
}

const ALL_DAY = "00:00-24:00";

/** A policy that never gets in the engine's way: UTC, every hour of every day, no caps. */
export function testPolicy(overrides: Partial<PolicyInput> = {}): Policy {
  return PolicySchema.parse({
    timezone: "UTC",
    window: {
      mon: ALL_DAY,
      tue: ALL_DAY,
      wed: ALL_DAY,
      thu: ALL_DAY,
      fri: ALL_DAY,
      sat: ALL_DAY,
      sun: ALL_DAY,
    },
    holidays: null,
    caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
    steps: [
      {
        id: "d3",
        offsetDays: 3,
        channel: CHANNEL,
        template: { name: "fatura_vencida" },
        variables: { "1": "customer.firstName", "2": "invoice.number" },
      },
    ],
    ...overrides,
  });
}

/** A store, an ERP, a channel, a clock and an engine wired together; `restart` is a new process. */
export function harness(
  options: { policy?: Policy; limits?: EngineLimits; workerId?: string; onUnknown?: "resend" | "hold" } = {},
) {
  const store = new MemoryStore();
  const connector = new FakeConnector();
  const channel = new FakeChannel();
  const clock = new SteppingClock(START);
  const log = recordingLogger();
  const policy = options.policy ?? testPolicy();
  const make = (workerId: string): Engine =>
    createEngine({
      store,
      connectors: new Map([[SOURCE, connector]]),
      channels: new Map([[CHANNEL, channel]]),
      policy,
      clock,
      log,
      workerId,
      random: () => 0.5,
      ...(options.onUnknown ? { onUnknown: options.onUnknown } : {}),
      limits: { leaseMs: 60_000, backoffBaseMs: 1_000, backoffMaxMs: 60_000, ...options.limits },
    });
  return {
    store,
    connector,
    channel,
    clock,
    log,
    engine: make(options.workerId ?? "worker-1"),
    restart: make,
  };
}

/** Customers C<id> with their own phone and one overdue invoice I<id> each, synced and planned. */
export async function plannedFor(h: ReturnType<typeof harness>, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    h.connector.put("customers", customer(`C${id}`, { phones: [`+55119876500${id.padStart(2, "0")}`] }));
    h.connector.put("invoices", invoice(`I${id}`, `C${id}`));
  }
  await h.engine.sync();
  await h.engine.plan();
}

/** ids "1" … String(count). */
export const ids = (count: number): string[] => Array.from({ length: count }, (_, i) => String(i + 1));

/** One customer with one invoice overdue enough for the d+3 step, synced into the store. */
export async function seeded(options: Parameters<typeof harness>[0] = {}) {
  const h = harness(options);
  h.connector.put("customers", customer("C1"));
  h.connector.put("invoices", invoice("I1", "C1"));
  await h.engine.sync();
  return h;
}

/** Plans and dispatches the seeded customer's d+3 step; returns the sent action. */
export async function sentAction(h: Awaited<ReturnType<typeof seeded>>): Promise<ActionRow> {
  await h.engine.plan();
  await h.engine.dispatch();
  const [action] = await h.store.listActions({ status: ["sent"] });
  if (!action) throw new Error("nothing sent");
  return action;
}

let eventCounter = 0;
export function statusEvent(
  fields: Partial<Extract<ChannelEvent, { kind: "status" }>> & {
    status: "sent" | "delivered" | "read" | "failed";
  },
): ChannelEvent {
  eventCounter += 1;
  return {
    kind: "status",
    eventId: `evt-${eventCounter}`,
    providerMessageId: "wamid.1",
    at: START,
    actionKey: null,
    recipient: null,
    error: null,
    ...fields,
  };
}

export function inboundEvent(fields: Partial<Extract<ChannelEvent, { kind: "inbound" }>>): ChannelEvent {
  eventCounter += 1;
  return {
    kind: "inbound",
    eventId: `in-${eventCounter}`,
    providerMessageId: `wamid.in.${eventCounter}`,
    from: "+5511987650000",
    at: START,
    text: "ok",
    intent: "other",
    replyTo: null,
    ...fields,
  };
}
