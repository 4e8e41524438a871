import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "@regua/core";
import { type FakeGraphApi, startFakeGraphApi } from "@regua/test-fixtures/whatsapp";
import { createMemoryConnector } from "@regua/testkit";
import type { FastifyInstance } from "fastify";
import { parseConfig } from "../../src/config.js";
import { hashPassword } from "../../src/console/passwords.js";
import { DemoClock } from "../../src/demo/clock.js";
import { openRuntime, type Runtime } from "../../src/runtime.js";
import { buildServer } from "../../src/server.js";

/**
 * The operator console's world for browser tests: the runner (SQLite, console on) with the
 * WhatsApp channel against the fake Graph API (signed webhooks straight to the runner's route)
 * and a memory ERP with write-back, plus operators who sign in with PASSWORD.
 */
export const PASSWORD = "console browser password";
const TOKEN = "EAAG-console-token";
const APP_SECRET = "console-app-secret";
const PHONE_NUMBER_ID = "106540352242922";

const POLICY = `
version: 1
timezone: America/Sao_Paulo
steps:
  - id: vencimento-d0
    offsetDays: 0
    channel: wa
    template: { name: vencimento_hoje, language: pt_BR }
    variables: { "1": customer.firstName, "2": invoice.openAmount }
`;

export interface ConsoleWorld {
  clock: DemoClock;
  erp: ReturnType<typeof createMemoryConnector>;
  fake: FakeGraphApi;
  rt: Runtime;
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export interface WorldCustomer {
  id: string;
  name: string;
  phone: string;
  taxId?: string;
  segment?: string;
  dueDate: string;
  amountMinor: number;
}

export async function startConsoleWorld(
  customers: readonly WorldCustomer[],
  extraConfig = "",
): Promise<ConsoleWorld> {
  const clock = new DemoClock("2026-03-10T15:00:00.000Z"); // Tuesday 12:00 in São Paulo
  const erp = createMemoryConnector({}, { id: "@acme/connector-memory", clock });
  for (const c of customers) {
    erp.upsert("customers", {
      externalId: c.id,
      name: c.name,
      phones: [c.phone],
      country: "BR",
      ...(c.taxId ? { taxId: c.taxId } : {}),
      ...(c.segment ? { segment: c.segment } : {}),
    });
    erp.upsert("invoices", {
      externalId: `inv-${c.id}`,
      number: `NF-${c.id}`,
      customerRef: c.id,
      issueDate: "2026-02-01",
      dueDate: c.dueDate,
      total: { amountMinor: c.amountMinor, currency: "BRL" },
      openAmount: { amountMinor: c.amountMinor, currency: "BRL" },
      status: "open",
      instruments: {
        boletoLine: null,
        pixCode: null,
        payLink: null,
        documentUrl: `https://erp.example.com/boletos/inv-${c.id}.pdf`,
      },
    });
  }
  const fake = await startFakeGraphApi({
    token: TOKEN,
    appSecret: APP_SECRET,
    phoneNumberId: PHONE_NUMBER_ID,
    templates: [
      { name: "vencimento_hoje", language: "pt_BR", body: "{{1}}, sua fatura de {{2}} vence hoje." },
      { name: "lembrete_contato", language: "pt_BR", body: "Olá {{1}}, temos uma mensagem sobre sua conta." },
    ],
    clockSpeed: 50,
    duplicateRate: 0,
    outOfOrderRate: 0,
    seed: 7,
    now: () => clock.now(),
  });
  const dir = mkdtempSync(path.join(tmpdir(), "regua-console-"));
  writeFileSync(path.join(dir, "policy.yaml"), POLICY);
  const config = parseConfig(
    `
store: { sqlite: ./regua.db }
secretKey: console-secret-key-0123456789
sources: [{ id: erp, connector: "@acme/connector-memory" }]
channels:
  - id: wa
    channel: "@regua/channel-whatsapp"
    options: { phoneNumberId: "${PHONE_NUMBER_ID}", token: ${TOKEN}, appSecret: ${APP_SECRET}, baseUrl: "${fake.url}" }
policy: ./policy.yaml
console:
  companyName: Provedor Exemplo Ltda
  closingMessage: "Obrigado, Maria! Conversa encerrada."
  templates:
    - { name: lembrete_contato, label: "Contact reminder", variables: [customer.firstName] }
${extraConfig}
`,
    path.join(dir, "regua.yaml"),
  );
  const rt = await openRuntime(config, {
    log: silentLogger,
    clock,
    signal: new AbortController().signal,
    importer: (name) =>
      name === "@acme/connector-memory" ? Promise.resolve({ default: erp.definition }) : import(name),
  });
  const passwordHash = await hashPassword(PASSWORD);
  const at = clock.now().toISOString();
  for (const [id, name, role] of [
    ["ana", "Ana Souza", "operator"],
    ["bia", "Bia Lima", "operator"],
    ["sup", "Sara Supervisora", "supervisor"],
  ] as const) {
    await rt.store.operators.addOperator({
      id,
      name,
      email: `${id}@example.com`,
      role,
      whatsapp: true,
      passwordHash,
      at,
    });
  }
  const app = await buildServer({
    engine: rt.engine,
    store: rt.store,
    clock,
    log: silentLogger,
    adminToken: "console-world-admin-token",
    channels: rt.channels.map((c) => ({ id: c.id, packageName: c.packageName, instance: c.channel })),
    connectors: rt.sources.map((s) => ({ id: s.id, packageName: s.packageName, instance: s.connector })),
    reports: rt.config.reports,
    console: {
      store: rt.store,
      config: rt.config.console,
      secretKey: rt.config.secretKey,
      feedPollMs: 200,
      routeEveryMs: 500,
    },
  });
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  fake.setWebhookUrl(`${url}/webhooks/whatsapp/wa`);
  return {
    clock,
    erp,
    fake,
    rt,
    app,
    url,
    async close() {
      await app.close();
      await rt.close();
      await fake.close();
    },
  };
}
