import type { FakeOdoo } from "@regua/test-fixtures/odoo";
import { afterEach, describe, expect, it } from "vitest";
import { connect, KEY, startFake } from "./support.js";

let fake: FakeOdoo | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe("regua check warns before the API key runs out, when Odoo tells", () => {
  it("Odoo 19: a key ending in 5 days makes the health detail start with a warning; the check still passes", async () => {
    fake = await startFake({ version: "19.0", apiKeyExpiresAt: inDays(5) });
    const health = await (await connect(fake)).healthCheck();
    expect(health.ok).toBe(true);
    expect(health.detail).toMatch(
      /^WARNING: API key "régua" of this user expires on \d{4}-\d{2}-\d{2} \(in [45] days\)/,
    );
    expect(health.detail).toMatch(/Odoo 19\.0 over JSON-2/);
  });

  it("a key ending in 60 days, or an Odoo without expiration_date (17), gives no warning", async () => {
    fake = await startFake({ version: "18.0", apiKeyExpiresAt: inDays(60) });
    expect((await (await connect(fake, { apiKey: KEY, password: undefined })).healthCheck()).detail).toMatch(
      /^Odoo 18\.0/,
    );
    await fake.close();
    fake = await startFake({ version: "17.0", apiKeyExpiresAt: inDays(3) });
    expect((await (await connect(fake, { apiKey: KEY, password: undefined })).healthCheck()).detail).toMatch(
      /^Odoo 17\.0/,
    );
  });
});
