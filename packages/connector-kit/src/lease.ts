import { randomUUID } from "node:crypto";
import { type Clock, type KeyValueState, TransientError } from "@regua/core";

export interface RefreshOptions {
  /** Is the stored value still good (e.g. its access token lives another minute)? */
  isFresh(value: string): boolean;
  /** Gets the next value from the vendor, given the stored one (which holds the refresh token). */
  refresh(current: string | null): Promise<string>;
  /** How long a holder may take: longer than one refresh call, timeouts included. */
  ttlMs: number;
  clock: Clock;
  /** How long to wait for another holder before giving up; default twice `ttlMs`. */
  waitMs?: number;
  /** How often to look again while another process refreshes; default 100 ms. */
  pollMs?: number;
  signal?: AbortSignal;
}

/** One refresh in flight per state and key within this process. */
const inFlight = new WeakMap<KeyValueState, Map<string, Promise<string>>>();

/**
 * Returns a fresh value for `key`, refreshing it at most once across every process that shares
 * the store (Nango's recipe, fenced): single-flight in the process, then the key's lease across
 * processes, a re-read after acquiring (another holder may have refreshed already: then no
 * refresh), and the write with compareAndSet, so a holder whose lease expired cannot overwrite a
 * newer value. QuickBooks rotates refresh tokens: two refreshes at once would lock the user out.
 */
export function refreshUnderLease(
  state: KeyValueState,
  key: string,
  options: RefreshOptions,
): Promise<string> {
  let running = inFlight.get(state);
  if (!running) {
    running = new Map();
    inFlight.set(state, running);
  }
  const existing = running.get(key);
  if (existing) return existing;
  const flights = running;
  const flight = acquireAndRefresh(state, key, options).finally(() => flights.delete(key));
  flights.set(key, flight);
  return flight;
}

async function acquireAndRefresh(
  state: KeyValueState,
  key: string,
  options: RefreshOptions,
): Promise<string> {
  const fresh = await readFresh(state, key, options);
  if (fresh !== null) return fresh;
  const owner = randomUUID();
  const deadline = options.clock.now().getTime() + (options.waitMs ?? 2 * options.ttlMs);
  for (;;) {
    if (await state.acquireLease(key, owner, options.ttlMs)) {
      try {
        return await refreshHolding(state, key, options);
      } finally {
        await state.releaseLease(key, owner);
      }
    }
    await options.clock.sleep(options.pollMs ?? 100, options.signal);
    const refreshed = await readFresh(state, key, options);
    if (refreshed !== null) return refreshed;
    if (options.clock.now().getTime() >= deadline) {
      throw new TransientError(
        `${key}: another process holds the refresh lease and no fresh value appeared`,
        {
          reason: "lease busy",
        },
      );
    }
  }
}

async function refreshHolding(state: KeyValueState, key: string, options: RefreshOptions): Promise<string> {
  const current = await state.read(key);
  if (current.value !== null && options.isFresh(current.value)) return current.value; // done by the last holder
  const next = await options.refresh(current.value);
  if (await state.compareAndSet(key, current.version, next)) return next;
  // Our lease ran out during the call and a newer holder wrote first: its value wins.
  const winner = await readFresh(state, key, options);
  if (winner !== null) return winner;
  throw new TransientError(
    `${key}: changed by another process during the refresh; the refreshed value was not stored`,
    {
      reason: "fenced",
    },
  );
}

async function readFresh(state: KeyValueState, key: string, options: RefreshOptions): Promise<string | null> {
  const { value } = await state.read(key);
  return value !== null && options.isFresh(value) ? value : null;
}
