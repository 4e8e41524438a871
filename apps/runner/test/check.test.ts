import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SAMPLE_POLICY_YAML } from "@regua/core";
import { startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createMemoryConnector } from "@regua/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/program.js";

/** `regua check` against the real WhatsApp channel package and the fake Graph API. */
const erp = createMemoryConnector({}, { id: "@acme/connector-memory" });
const importer = async (name: string) =>
  name === "@acme/connector-memory" ? { default: erp.definition } : import(name);
let graph: Awaited<ReturnType<typeof startFakeGraphApi>>;
let dir = "";

async function check(config: string) {
  const file = path.join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, config);
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ["--config", file, "--log-level", "silent", "check"],
    { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false },
    { importer },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const config = (channel: string) => `store: { sqlite: ./regua.db }
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels:
${channel}
policy: ./policy.yaml
`;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "regua-check-"));
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  graph = await startFakeGraphApi({
    token: "tkn",
    appSecret: "sec",
    phoneNumberId: "1234567890",
    wabaId: "555",
  });
});
afterAll(async () => graph?.close());

describe("regua check", () => {
  it("pings WhatsApp and flags policy templates the account has not approved", async () => {
    const r = await check(
      config(`  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "1234567890", wabaId: "555", token: tkn, appSecret: sec, baseUrl: "${graph.url}" }`),
    );
    expect(r.out).toMatch(/channel @regua\/channel-whatsapp\s+wa\s+ok/);
    // lembrete_vencimento is approved in the fake; fatura_vencida is not.
    expect(r.out).toMatch(/template steps\[2\] \(vencida-d3\) fatura_vencida\s+wa\s+FAIL/);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\d+ check\(s\) failed/);
  });

  it("fails when the policy names a channel the config does not have", async () => {
    const r = await check(
      config(
        `  - { id: sms, channel: "@regua/channel-whatsapp", options: { phoneNumberId: "1", token: t, appSecret: s, baseUrl: "${graph.url}" } }`,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("no channel with id wa in the config");
  });

  it("fails with the provider's words when the token is wrong", async () => {
    const r = await check(
      config(
        `  - { id: wa, channel: "@regua/channel-whatsapp", options: { phoneNumberId: "1234567890", token: wrong, appSecret: sec, baseUrl: "${graph.url}" } }`,
      ),
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/channel @regua\/channel-whatsapp\s+wa\s+FAIL/);
  });
});
