import type { Connector } from "@regua/core";
import { type FakeIxc, type FakeIxcOptions, startFakeIxc } from "@regua/test-fixtures/ixc";
import { createTestContext } from "@regua/testkit";
import connector, { type IxcOptionsInput } from "../src/index.js";

export const AUTH = { user: "12", token: "test-token" } as const;

export async function fakeIxc(overrides: Partial<FakeIxcOptions> = {}): Promise<FakeIxc> {
  return startFakeIxc({ seed: 36, customers: 8, today: "2026-03-15", ...AUTH, ...overrides });
}

export async function connect(ixc: FakeIxc, options: Partial<IxcOptionsInput> = {}): Promise<Connector> {
  const parsed = connector.optionsSchema.parse({
    baseUrl: ixc.url,
    userId: AUTH.user,
    token: AUTH.token,
    pageSize: 5,
    ...options,
  });
  return connector.create(parsed, createTestContext({ instanceId: "provedor" }));
}

export { collectPages as collect } from "@regua/testkit";
