import { afterEach, beforeEach, describe } from "vitest";
import type { ReguaStore } from "../src/index.js";
import type { StoreFactory } from "./fixtures.js";
import { alertTests } from "./suite-alerts.js";
import { channelAccountTests } from "./suite-channel-accounts.js";
import { contactTests } from "./suite-contacts.js";
import { conversationTests } from "./suite-conversations.js";
import { deliveryTests } from "./suite-delivery.js";
import { groupCommitTests } from "./suite-group-commit.js";
import { kvStateTests } from "./suite-kv.js";
import { lifecycleTests } from "./suite-lifecycle.js";
import { newestWinsTests } from "./suite-newest-wins.js";
import { operatorTests } from "./suite-operators.js";
import { outboxTests } from "./suite-outbox.js";
import { planTests, rateTests } from "./suite-plan.js";
import { recordsTests } from "./suite-records.js";
import { reportTests } from "./suite-report.js";
import { reportPeriodTests } from "./suite-report-period.js";
import { riskTests } from "./suite-risk.js";
import { snapshotBatchTests } from "./suite-snapshot-batches.js";
import { snapshotTests } from "./suite-snapshots.js";
import { webhookQueueTests } from "./suite-webhooks.js";

export type { StoreFactory } from "./fixtures.js";

/** A fresh, migrated store per test, closed after it. */
export function useStore(factory: StoreFactory): () => ReguaStore {
  let store: ReguaStore | undefined;
  beforeEach(async () => {
    store = await factory();
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  return () => {
    if (!store) throw new Error("store used outside a test");
    return store;
  };
}

/**
 * The one behaviour suite every dialect runs (drizzle-style: same tests, one file per driver).
 * `factory` must return a store on an empty database, already migrated.
 */
export function describeStoreSuite(name: string, factory: StoreFactory): void {
  describe(`DunningStore on ${name}`, () => {
    describe("sync records", () => recordsTests(factory));
    describe("status changes, deletions and quarantine", () => lifecycleTests(factory));
    describe("newest wins: an older copy never replaces a newer one", () => newestWinsTests(factory));
    describe("snapshots", () => snapshotTests(factory));
    describe("snapshot batches: scattered, empty, read ahead", () => snapshotBatchTests(factory));
    describe("outboxes", () => outboxTests(factory));
    describe("incremental plan", () => planTests(factory));
    describe("shared rate limits", () => rateTests(factory));
    describe("delivery guarantees", () => deliveryTests(factory));
    describe("group commit of outcomes", () => groupCommitTests(factory));
    describe("events, state and report", () => reportTests(factory));
    describe("period report figures", () => reportPeriodTests(factory));
    describe("webhook queue and retention", () => webhookQueueTests(factory));
    describe("plugin state versions and leases", () => kvStateTests(factory));
    describe("pauses, undeliverable numbers and message costs", () => contactTests(factory));
    describe("conversations and their messages", () => conversationTests(factory));
    describe("alert episodes", () => alertTests(factory));
    describe("channel accounts: templates, quality, suspension", () => channelAccountTests(factory));
    describe("operators, sessions and assignments", () => operatorTests(factory));
    describe("payment-risk models and their facts", () => riskTests(factory));
  });
}
