import { type Clock, systemClock } from "./clock.js";
import type { KeyValueState, VersionedValue } from "./contracts.js";

interface Entry {
  value: string | null;
  version: number;
  lease: { owner: string; untilMs: number } | null;
}

/**
 * KeyValueState in a Map, with the store's semantics (versions, compareAndSet, leases that expire
 * by the injected clock): what tests and the in-memory stores hand a plugin.
 */
export class MemoryKeyValueState implements KeyValueState {
  readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock = systemClock) {}

  async get(key: string): Promise<string | null> {
    return this.entries.get(key)?.value ?? null;
  }

  async set(key: string, value: string): Promise<void> {
    this.write(key, value);
  }

  async delete(key: string): Promise<void> {
    if (this.entries.has(key)) this.write(key, null);
  }

  async read(key: string): Promise<VersionedValue> {
    const entry = this.entries.get(key);
    return { value: entry?.value ?? null, version: entry?.version ?? 0 };
  }

  async compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean> {
    if ((this.entries.get(key)?.version ?? 0) !== expectedVersion) return false;
    this.write(key, value);
    return true;
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const entry = this.entries.get(key) ?? { value: null, version: 0, lease: null };
    if (entry.lease && entry.lease.owner !== owner && entry.lease.untilMs > now) return false;
    this.entries.set(key, { ...entry, lease: { owner, untilMs: now + ttlMs } });
    return true;
  }

  async releaseLease(key: string, owner: string): Promise<void> {
    const entry = this.entries.get(key);
    if (entry?.lease?.owner === owner) this.entries.set(key, { ...entry, lease: null });
  }

  async leaseHolder(key: string): Promise<string | null> {
    const lease = this.entries.get(key)?.lease;
    return lease && lease.untilMs > this.clock.now().getTime() ? lease.owner : null;
  }

  private write(key: string, value: string | null): void {
    const entry = this.entries.get(key);
    this.entries.set(key, { value, version: (entry?.version ?? 0) + 1, lease: entry?.lease ?? null });
  }
}
