import type { Connector } from "@regua/core";
import { type FakeOdoo, type FakeOdooOptions, startFakeOdoo } from "@regua/test-fixtures/odoo";
import { createTestContext } from "@regua/testkit";
import connector from "../src/index.js";
import type { OdooOptionsInput } from "../src/options.js";

export const KEY = "6578616d706c65206a736f6e20617069206b6579";
export const PASSWORD = "s3cr3t-odoo";
export const TODAY = "2026-03-15";

export function startFake(extra: Partial<FakeOdooOptions> = {}): Promise<FakeOdoo> {
  return startFakeOdoo({ seed: 11, customers: 10, today: TODAY, password: PASSWORD, apiKey: KEY, ...extra });
}

/** XML-RPC with the password on 16–18 fakes, JSON-2 with the key on 19. */
export function connect(fake: FakeOdoo, options: Partial<OdooOptionsInput> = {}): Promise<Connector> {
  const secret = fake.version === "19.0" ? { apiKey: KEY } : { password: PASSWORD };
  const parsed = connector.optionsSchema.parse({
    url: fake.url,
    database: fake.database,
    login: "admin",
    pageSize: 5,
    ...secret,
    ...options,
  });
  return Promise.resolve(connector.create(parsed, createTestContext({ instanceId: "odoo-main" })));
}

export { allItems as all, collectPages as collect, failureOf as captureError } from "@regua/testkit";
