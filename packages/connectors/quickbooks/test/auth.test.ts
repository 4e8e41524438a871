import { isReguaError, type KeyValueState, MemoryKeyValueState, type VersionedValue } from "@regua/core";
import type { FakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoredTokens, tokenKey } from "../src/auth.js";
import { connect, startFake } from "./support.js";

/** One runner process's view of a store shared with others: the kit's in-process single-flight does not join them. */
class Replica implements KeyValueState {
  leaseRefusals = 0;
  casAt: number[] = [];
  constructor(
    private readonly store: KeyValueState,
    private readonly requestsSoFar: () => number = () => 0,
  ) {}
  get = (key: string) => this.store.get(key);
  set = (key: string, value: string) => this.store.set(key, value);
  delete = (key: string) => this.store.delete(key);
  read = (key: string): Promise<VersionedValue> => this.store.read(key);
  async compareAndSet(key: string, version: number, value: string): Promise<boolean> {
    this.casAt.push(this.requestsSoFar());
    return this.store.compareAndSet(key, version, value);
  }
  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const got = await this.store.acquireLease(key, owner, ttlMs);
    if (!got) this.leaseRefusals += 1;
    return got;
  }
  releaseLease = (key: string, owner: string) => this.store.releaseLease(key, owner);
}

describe("OAuth 2.0 with rotating refresh tokens", () => {
  let fake: FakeQuickBooks;
  beforeAll(async () => {
    fake = await startFake({ tokenLatencyMs: 150 });
  });
  afterAll(() => fake.close());

  it("stores the rotated pair (compareAndSet) before the new access token is used", async () => {
    const seed = fake.issueRefreshToken();
    const state = new Replica(new MemoryKeyValueState(), () => fake.requests.length);
    const before = fake.requests.length;
    const qbo = connect(fake, { refreshToken: seed }, { state });
    expect(await qbo.getInvoice("1")).not.toBeNull();
    expect(state.casAt).toEqual([before]); // written before any API request carried the new token
    const stored = StoredTokens.parse(JSON.parse((await state.read(tokenKey(fake.realmId))).value ?? "null"));
    expect(stored.refreshToken).not.toBe(seed);
    expect(stored.realmId).toBe(fake.realmId);
    // Intuit rotated the refresh token: the one from the options no longer works.
    const stale = connect(fake, { refreshToken: seed });
    const error = await stale.getInvoice("1").catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("AUTH");
    expect(isReguaError(error) && error.provider?.code).toBe("invalid_grant");
  });

  it("refreshes once on 401 (either Fault shape) and retries; concurrent calls share that refresh", async () => {
    const qbo = connect(fake);
    await qbo.getInvoice("1");
    const issued = fake.tokensIssued;
    fake.expireAccessTokens();
    const ids = fake.company.Invoice.slice(0, 8).map((i) => i.Id);
    const read = await Promise.all(ids.map((id) => qbo.getInvoice(id)));
    expect(read.map((i) => i?.externalId)).toEqual(ids);
    expect(fake.tokensIssued - issued).toBe(1);
    expect(fake.requests.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(1);
  });

  it("two replicas lose the refresh race to each other: one refresh, both proceed, nobody locked out", async () => {
    const shared = new MemoryKeyValueState();
    const seed = fake.issueRefreshToken();
    const a = new Replica(shared);
    const b = new Replica(shared);
    const first = connect(fake, { refreshToken: seed }, { state: a, instanceId: "replica-a" });
    const second = connect(fake, { refreshToken: seed }, { state: b, instanceId: "replica-b" });
    const issued = fake.tokensIssued;
    const [x, y] = await Promise.all([first.getInvoice("2"), second.getInvoice("3")]);
    expect([x?.externalId, y?.externalId]).toEqual(["2", "3"]);
    expect(fake.tokensIssued - issued).toBe(1);
    expect(a.leaseRefusals + b.leaseRefusals).toBeGreaterThan(0); // one of them waited for the other
    // An hour later both refresh again from the rotated token in the store: still one refresh.
    fake.expireAccessTokens();
    const [p, q] = await Promise.all([first.getInvoice("4"), second.getInvoice("5")]);
    expect([p?.externalId, q?.externalId]).toEqual(["4", "5"]);
    expect(fake.tokensIssued - issued).toBe(2);
  });

  it("a company never connected fails with AuthError naming the command to run", async () => {
    const qbo = connect(fake, { refreshToken: undefined, realmId: "123145" });
    const error = await qbo.healthCheck();
    expect(error.ok).toBe(false);
    expect(error.detail).toContain("regua auth quickbooks");
  });
});
