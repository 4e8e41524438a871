import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { type FakeQuickBooks, startFakeQuickBooks } from "@regua/test-fixtures/quickbooks";
import { createMemoryChannel } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/program.js";

/**
 * `regua auth quickbooks` against the fake Intuit OAuth server: the authorize URL, the
 * authorization-code exchange, the tokens in the store's encrypted state, then `regua check`
 * using them (the connector is loaded by package name, as config does).
 */
const channel = createMemoryChannel({ id: "@acme/channel-memory" });
const importer = async (name: string) => {
  if (name === "@acme/channel-memory") return { default: channel.definition };
  return import(name);
};
const REDIRECT = "https://regua.example.com/quickbooks/callback";
let fake: FakeQuickBooks;
let configFile = "";

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ["--config", configFile, "--log-level", "silent", ...argv],
    { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false },
    { importer },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

beforeAll(async () => {
  fake = await startFakeQuickBooks({ seed: 5, customers: 3, today: "2026-03-15", limits: false });
  const dir = mkdtempSync(path.join(tmpdir(), "regua-auth-"));
  configFile = path.join(dir, "regua.yaml");
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  writeFileSync(
    configFile,
    `store: { sqlite: ./regua.db }
secretKey: auth-test-secret-key-0123456789abcdef
sources:
  - id: qbo
    connector: "@regua/connector-quickbooks"
    options:
      realmId: "${fake.realmId}"
      clientId: ${fake.clientId}
      clientSecret: ${fake.clientSecret}
      baseUrl: ${fake.url}
      tokenUrl: ${fake.tokenUrl}
      authorizeUrl: ${fake.authorizeUrl}
      homeCurrency: BRL
channels: [{ id: wa, channel: "@acme/channel-memory" }]
policy: ./policy.yaml
`,
  );
});
afterAll(() => fake.close());

describe("regua auth quickbooks", () => {
  it("is not connected before: check says so", async () => {
    const r = await cli("check");
    expect(r.out).toContain("regua auth quickbooks");
  });

  it("prints the authorize URL, exchanges the code and stores the tokens; check then passes", async () => {
    const redirectedTo = fake.authorize(REDIRECT, "s-123");
    const r = await cli(
      "auth",
      "quickbooks",
      "--redirect-uri",
      REDIRECT,
      "--state",
      "s-123",
      "--redirected-to",
      redirectedTo,
    );
    expect(r.code, r.err).toBe(0);
    const url = new URL(r.out.split("\n")[1] ?? "");
    expect(url.origin + url.pathname).toBe(fake.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: fake.clientId,
      response_type: "code",
      scope: "com.intuit.quickbooks.accounting",
      redirect_uri: REDIRECT,
      state: "s-123",
    });
    expect(r.out).toContain(`QuickBooks company ${fake.realmId} connected`);
    expect(fake.tokensIssued).toBe(1);
    const check = await cli("check");
    expect(check.out).toMatch(/@regua\/connector-quickbooks\s+qbo\s+ok/);
  });

  it("refuses a redirect whose state does not match", async () => {
    const redirectedTo = fake.authorize(REDIRECT, "other");
    const r = await cli(
      "auth",
      "quickbooks",
      "--redirect-uri",
      REDIRECT,
      "--state",
      "s-456",
      "--redirected-to",
      redirectedTo,
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain("state does not match");
  });
});
