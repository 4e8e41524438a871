// The messaging limit of a channel account (WhatsApp phone_number_quality_update) as dispatch
// applies it, on the real SQLite store: beyond the tier's unique customers in a rolling 24 hours,
// a new customer waits (planned, nothing failed) until the oldest send leaves the window.
import {
  type Channel,
  type ChannelEvent,
  type Connector,
  createEngine,
  type Engine,
  silentLogger,
} from "@regua/core";
import {
  createMemoryChannel,
  createMemoryConnector,
  createTestContext,
  JumpingClock,
  openPolicy,
} from "@regua/testkit";
import { afterEach, beforeEach, expect, it } from "vitest";
import { createSqliteStore, type ReguaStore } from "../src/index.js";

const NOW = "2026-03-10T12:00:00.000Z";
const CUSTOMERS = ["c1", "c2", "c3", "c4"];

let clock: JumpingClock;
let store: ReguaStore;
let engine: Engine;
let sent: () => number;

beforeEach(async () => {
  clock = new JumpingClock(NOW);
  store = createSqliteStore({ file: ":memory:" });
  await store.migrate();
  const erp = createMemoryConnector({}, { clock });
  CUSTOMERS.forEach((id, i) => {
    erp.upsert("customers", {
      externalId: id,
      name: `Cliente ${id}`,
      phones: [`+55119876543${i}0`],
      country: "BR",
    });
    erp.upsert("invoices", {
      externalId: `inv-${id}`,
      number: `NF-${id}`,
      customerRef: id,
      issueDate: "2026-02-01",
      dueDate: "2026-03-10",
      total: { amountMinor: 15_000, currency: "BRL" },
      openAmount: { amountMinor: 15_000, currency: "BRL" },
      status: "open",
    });
  });
  const ctx = (id: string) => createTestContext({ instanceId: id, clock });
  const connector = (await erp.definition.create({}, ctx("erp"))) as Connector;
  const memory = createMemoryChannel({ clock });
  const channel = (await memory.definition.create({}, ctx("wa"))) as Channel;
  sent = () => memory.sent.length;
  engine = createEngine({
    store,
    connectors: new Map([["erp", connector]]),
    channels: new Map([["wa", channel]]),
    policy: openPolicy({
      steps: [{ id: "d0", offsetDays: 0, channel: "wa", template: { name: "vencimento_hoje" } }],
    }),
    clock,
    log: silentLogger,
    workerId: "test:1",
  });
  await engine.sync();
  await engine.plan();
});

afterEach(async () => {
  await store?.close();
});

type QualityEvent = Extract<ChannelEvent, { kind: "channel_quality" }>;

const downgrade = (dailyRecipients: number | null, at = NOW): QualityEvent => ({
  kind: "channel_quality",
  eventId: `quality:${at}:${dailyRecipients}`,
  at,
  change: "downgrade",
  providerEvent: "DOWNGRADE",
  phoneNumber: "15550783881",
  limit: dailyRecipients === null ? "TIER_UNLIMITED" : `TIER_${dailyRecipients}`,
  previousLimit: "TIER_1K",
  dailyRecipients,
});

const upgrade = (dailyRecipients: number, at: string): QualityEvent => ({
  ...downgrade(dailyRecipients, at),
  change: "upgrade",
  providerEvent: "UPGRADE",
  previousLimit: "TIER_2",
});

it("beyond the tier's daily reach new customers wait for the window, or for a higher tier", async () => {
  await engine.handleChannelEvents("wa", [downgrade(2)]);
  expect(await engine.dispatch()).toMatchObject({ sent: 2, failed: 0, retried: 2 });
  expect(sent()).toBe(2);
  const waiting = await store.listActions({ status: ["planned"] });
  expect(waiting).toHaveLength(2);
  for (const action of waiting) {
    expect(action.statusReason).toContain("reached its messaging limit (TIER_2: 2 customers a rolling 24 h)");
    // The window frees when the oldest send of the 24 hours leaves it.
    expect(Date.parse(action.dueAt)).toBeGreaterThanOrEqual(Date.parse(NOW) + 24 * 60 * 60_000);
  }
  // Still inside the 24 hours: nothing more goes.
  clock.advance(60 * 60_000);
  expect(await engine.dispatch()).toMatchObject({ claimed: 0, sent: 0 });
  // Meta raises the tier: the held sends are checked against the new limit at once.
  await engine.handleChannelEvents("wa", [upgrade(1000, clock.now().toISOString())]);
  expect(await engine.dispatch()).toMatchObject({ sent: 2, failed: 0 });
  expect(sent()).toBe(4);
});

it("an unlimited tier, or no quality event at all, caps nothing", async () => {
  await engine.handleChannelEvents("wa", [downgrade(null)]);
  expect(await engine.dispatch()).toMatchObject({ sent: 4, retried: 0 });
});
