import { type Clock, type KeyValueState, type Logger, type Page, systemClock } from "@regua/core";
import {
  type FakeQuickBooks,
  type FakeQuickBooksOptions,
  startFakeQuickBooks,
} from "@regua/test-fixtures/quickbooks";
import { createTestContext, MemoryKeyValueState } from "@regua/testkit";
import { createQuickBooksConnector } from "../src/connector.js";

export type QuickBooksConnector = ReturnType<typeof createQuickBooksConnector>;

import connector from "../src/index.js";
import type { QuickBooksOptionsInput } from "../src/options.js";

export const TODAY = "2026-03-15";

/**
 * The system clock moved back to TODAY's noon: the fake's books are "as of" TODAY, and CDC's
 * 30-day look-back must hold between the connector and the fake. Sleeps are real.
 */
export function todayClock(today = TODAY): Clock {
  const offset = Date.now() - Date.parse(`${today}T12:00:00-03:00`);
  return { now: () => new Date(Date.now() - offset), sleep: (ms, signal) => systemClock.sleep(ms, signal) };
}

export function startFake(
  extra: Partial<FakeQuickBooksOptions> = {},
  clock = todayClock(),
): Promise<FakeQuickBooks> {
  return startFakeQuickBooks({
    seed: 11,
    customers: 10,
    today: TODAY,
    limits: false,
    now: () => clock.now(),
    ...extra,
  });
}

/** Options for the fake: its hosts, its app credentials, a refresh token it issued. */
export function optionsFor(
  fake: FakeQuickBooks,
  extra: Partial<QuickBooksOptionsInput> = {},
): QuickBooksOptionsInput {
  return {
    realmId: fake.realmId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    baseUrl: fake.url,
    tokenUrl: fake.tokenUrl,
    authorizeUrl: fake.authorizeUrl,
    refreshToken: fake.issueRefreshToken(),
    webhookVerifierToken: fake.verifierToken,
    homeCurrency: "BRL",
    pageSize: 7,
    // The fake runs with its limits off here; the limits tests turn them on.
    limits: { perMinute: 60_000, perSecond: 1_000, concurrency: 10 },
    ...extra,
  };
}

/** The structured fields of every log line, for assertions on `event` (and on what is never logged). */
export function eventLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const record = (obj: object | string): void => {
    lines.push(typeof obj === "string" ? { msg: obj } : { ...obj });
  };
  const log: Logger = { debug: record, info: record, warn: record, error: record, child: () => log };
  return { log, lines };
}

export function connect(
  fake: FakeQuickBooks,
  extra: Partial<QuickBooksOptionsInput> = {},
  context: { state?: KeyValueState; clock?: Clock; log?: Logger; instanceId?: string } = {},
): QuickBooksConnector {
  const parsed = connector.optionsSchema.parse(optionsFor(fake, extra));
  return createQuickBooksConnector(
    parsed,
    createTestContext({
      instanceId: context.instanceId ?? "qbo",
      ...(context.log ? { log: context.log } : {}),
      state: context.state ?? new MemoryKeyValueState(context.clock),
      ...(context.clock ? { clock: context.clock } : {}),
    }),
  );
}

export { collectPages as collect } from "@regua/testkit";

export function items<T>(pages: Page<T>[]): T[] {
  return pages.flatMap((page) => page.items);
}
