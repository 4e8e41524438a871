import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import rest from "@regua/connector-rest";
import type { RawRequest } from "@regua/core";
import { createTestContext } from "@regua/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * docs/connectors/rest.md promises a working YAML block, an invoice and a webhook delivery: the
 * block is parsed with the connector's own schema, the invoice is served and read back through
 * getInvoice, and the delivery is signed and parsed as the page says.
 */
const page = readFileSync(
  fileURLToPath(new URL("../../../docs/connectors/rest.md", import.meta.url)),
  "utf8",
);
const blocks = (lang: string) =>
  [...page.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1] ?? "");
const SECRET = "faturas-webhook-secret-for-tests";
const TOKEN = "faturas-token";

/** `{ env: NAME }` as the runner resolves it. */
function resolveEnv(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveEnv);
  if (value && typeof value === "object") {
    const entries = Object.entries(value);
    if (entries.length === 1 && entries[0]?.[0] === "env") {
      return { FATURAS_TOKEN: TOKEN, FATURAS_WEBHOOK_SECRET: SECRET }[String(entries[0][1])];
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveEnv(v)]));
  }
  return value;
}

const [invoiceJson, deliveryJson] = blocks("json");
const server = createServer((req, res) => {
  const ok = req.url === "/v2/faturas/7781" && req.headers.authorization === `Bearer ${TOKEN}`;
  res.writeHead(ok ? 200 : 404, { "content-type": "application/json" }).end(ok ? invoiceJson : "{}");
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function connectorFromDocs() {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const yaml = parse(blocks("yaml")[0] ?? "") as {
    sources: { id: string; options: Record<string, unknown> }[];
  };
  const source = yaml.sources[0]!;
  const options = resolveEnv(source.options) as Record<string, unknown>;
  options.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const parsed = rest.optionsSchema.safeParse(options);
  expect(parsed.error?.issues ?? []).toEqual([]);
  return rest.create(parsed.data as never, createTestContext({ instanceId: source.id }));
}

describe("docs/connectors/rest.md example", () => {
  it("parses, reads the example invoice through getInvoice, and parses the signed webhook", async () => {
    const connector = await connectorFromDocs();
    expect(connector.capabilities).toMatchObject({
      payments: true,
      getInvoice: true,
      writeActivity: true,
      webhooks: true,
    });

    const invoice = await connector.getInvoice!("7781");
    expect(invoice).toMatchObject({
      externalId: "7781",
      customerRef: "311",
      dueDate: "2026-03-14",
      total: { amountMinor: 123456, currency: "BRL" },
      openAmount: { amountMinor: 23456, currency: "BRL" },
      status: "partially_paid",
    });

    const rawBody = Buffer.from(deliveryJson ?? "");
    const signed = (signature: string): RawRequest => ({
      method: "POST",
      path: "/webhooks/rest/faturas",
      headers: { "x-faturas-assinatura": signature },
      query: {},
      rawBody,
    });
    const good = signed(`sha256=${createHmac("sha256", SECRET).update(rawBody).digest("hex")}`);
    expect(connector.webhook!.verify(good)).toBe(true);
    expect(connector.webhook!.verify(signed(`sha256=${"0".repeat(64)}`))).toBe(false);
    expect(
      connector.webhook!.verify(signed(createHmac("sha256", "other-secret").update(rawBody).digest("hex"))),
    ).toBe(false);
    expect(connector.webhook!.parse(good)).toEqual([
      { kind: "changed", entity: "invoices", externalId: "7781" },
      { kind: "deleted", entity: "invoices", externalId: "7790" },
    ]);
    await connector.close();
  });
});
