import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SAMPLE_POLICY_YAML, WORK_NAMESPACE } from "@regua/core";
import { createStore } from "@regua/store";
import { createMemoryChannel, createMemoryConnector } from "@regua/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { DemoClock } from "../src/demo/clock.js";
import { main } from "../src/program.js";

/**
 * The CLI end to end on a real SQLite store, with the testkit's memory connector and channel
 * standing in for the ERP and WhatsApp (loaded through the same plugin path as npm packages).
 */
const clock = new DemoClock("2026-03-10T12:00:00.000Z"); // Tuesday 09:00 in São Paulo
const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
const channel = createMemoryChannel({ id: "@acme/channel-memory", clock });
const importer = async (name: string) => {
  if (name === "@acme/connector-memory") return { default: erp.definition };
  if (name === "@acme/channel-memory") return { default: channel.definition };
  throw Object.assign(new Error(`Cannot find package '${name}'`), { code: "ERR_MODULE_NOT_FOUND" });
};

const instruments = {
  boletoLine: "23790123456789012345678901234567890123456789012",
  pixCode: "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR",
  payLink: "https://pay.example.com/inv-1",
  documentUrl: null,
};
for (const [id, name, phone, due, amount] of [
  ["c1", "Maria Silva", "+5511987654321", "2026-03-07", 15_000], // 3 days late → vencida-d3
  ["c2", "João Souza", "+5521998765432", "2026-03-13", 9_990], // due in 3 days → lembrete-d-3
  ["c3", "Ana Lima", "+5531988887777", "2026-04-30", 5_000], // not due for weeks: no step today
] as const) {
  erp.upsert("customers", { externalId: id, name, phones: [phone], country: "BR" });
  erp.upsert("invoices", {
    externalId: `inv-${id}`,
    number: `NF-${id}`,
    customerRef: id,
    issueDate: "2026-02-01",
    dueDate: due,
    total: { amountMinor: amount, currency: "BRL" },
    openAmount: { amountMinor: amount, currency: "BRL" },
    status: "open",
    instruments,
  });
}

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    ["--config", configFile, "--log-level", "silent", ...argv],
    { out: (s) => out.push(s), err: (s) => err.push(s), isTTY: false },
    { importer, clock },
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

let configFile = "";
beforeAll(() => {
  const dir = mkdtempSync(path.join(tmpdir(), "regua-cmd-"));
  configFile = path.join(dir, "regua.yaml");
  writeFileSync(path.join(dir, "policy.yaml"), SAMPLE_POLICY_YAML);
  writeFileSync(
    configFile,
    `store: { sqlite: ./regua.db }
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels: [{ id: wa, channel: "@acme/channel-memory" }]
policy: ./policy.yaml
`,
  );
});

describe("regua commands on SQLite with memory plugins", () => {
  it("check pings every plugin and prints a table", async () => {
    const r = await cli("check");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/source @acme\/connector-memory\s+erp\s+ok/);
    expect(r.out).toMatch(/channel @acme\/channel-memory\s+wa\s+ok/);
  });

  it("sync pulls customers and invoices", async () => {
    const r = await cli("sync");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/erp\s+invoices\s+\d+\s+3\b/);
    expect(r.out).toContain("synced 6 record(s)");
  });

  it("plan --dry-run prints actions with their traces and writes nothing", async () => {
    const r = await cli("plan", "--dry-run");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("Would plan 2 action(s)");
    expect(r.out).toMatch(/erp\/c1\s+inv-c1\s+vencida-d3/);
    expect(r.out).toMatch(/erp\/c2\s+inv-c2\s+lembrete-d-3/);
    expect(r.out).toMatch(/erp\/c1 .*\n\s+fired\s+step:vencida-d3: D\+3/);
    expect(r.out).toMatch(/skipped\s+step:vencimento-d0: catch-up/);
    expect(r.out).toContain("(dry run: nothing was written)");
    const report = JSON.parse((await cli("report", "--json")).out);
    expect(report.actionsByStatus.reduce((n: number, s: { count: number }) => n + s.count, 0)).toBe(0);
  });

  it("plan then dispatch sends through the channel, and report shows it", async () => {
    expect((await cli("plan")).out).toContain("Planned 2 action(s)");
    const d = await cli("dispatch");
    expect(d.code, d.err).toBe(0);
    expect(d.out).toContain("sent 2");
    expect(channel.sent.map((s) => s.message.to).sort()).toEqual(["+5511987654321", "+5521998765432"]);
    const report = await cli("report");
    expect(report.out).toMatch(/Messages by status[\s\S]*sent\s+2/);
  });

  it("simulate prints what would go out day by day and sends nothing", async () => {
    const before = channel.sent.length;
    const r = await cli("simulate", "--from", "2026-03-10", "--to", "2026-03-16", "--details");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/date\s+messages\s+escalations\s+skips/);
    expect(r.out).toMatch(/2026-03-13\s+\d+/);
    // c2's invoice is due on the 13th: the simulation reaches its due-day step without a payment.
    expect(r.out).toMatch(/erp\/c2\s+inv-c2\s+vencimento-d0/);
    expect(r.err).toContain("nothing was sent");
    expect(channel.sent.length).toBe(before);
  });

  it("sync skips a source another runner is syncing right now, and says so", async () => {
    const config = loadConfig(configFile);
    const store = createStore(config.store, { secretKey: config.secretKey, clock });
    const work = store.state(WORK_NAMESPACE);
    try {
      expect(await work.acquireLease("sync:erp", "other-host:4242/1", 60 * 60_000)).toBe(true);
      const r = await cli("sync");
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain("synced 0 record(s)");
      expect(r.out).toContain("skipped sync:erp: another runner is syncing it");
      await work.releaseLease("sync:erp", "other-host:4242/1");
      expect((await cli("sync")).out).not.toContain("skipped");
    } finally {
      await store.close();
    }
  });

  it("sync --source rejects an unknown source id as a usage error", async () => {
    const r = await cli("sync", "--source", "nope");
    expect(r.code).toBe(2);
    expect(r.err).toContain("no source with id nope");
  });

  it("report lists what the ERP sent malformed, kept in quarantine while the rest landed", async () => {
    const good = { number: "NF-q", customerRef: "c3", issueDate: "2026-02-01", instruments };
    const money = { amountMinor: 1_000, currency: "BRL" };
    erp.upsert("invoices", {
      ...good,
      externalId: "inv-q1",
      dueDate: "2026-04-30",
      total: money,
      openAmount: money,
      status: "open",
    });
    erp.upsert("invoices", {
      ...good,
      externalId: "inv-bad",
      dueDate: "31/02/2026",
      total: money,
      openAmount: money,
      status: "open",
    });
    const sync = await cli("sync");
    expect(sync.out).toMatch(/erp\s+invoices\s+\d+\s+\d+\s+1\b/); // one reject
    const report = await cli("report");
    expect(report.out).toMatch(
      /Quarantine \(records the ERP sent malformed[^\n]*\n[\s\S]*erp\s+invoices\s+1\s+2026-/,
    );
    const json = JSON.parse((await cli("report", "--json")).out);
    expect(json.quarantine).toEqual([
      expect.objectContaining({ source: "erp", entity: "invoices", records: 1 }),
    ]);
  });
});
