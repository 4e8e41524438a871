import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type Connector, type Invoice, isReguaError, type Page, RateLimitError } from "@regua/core";
import type { AxiosInstance } from "axios";
import { describe, expect, it } from "vitest";
import {
  createMemoryChannel,
  createMemoryConnector,
  createTestContext,
  MemoryKeyValueState,
} from "../src/index.js";
import { sampleData } from "./data.js";
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY } from "./self-signed.js";

async function pages<T>(iterable: AsyncIterable<Page<T>>): Promise<Page<T>[]> {
  const out: Page<T>[] = [];
  for await (const page of iterable) out.push(page);
  return out;
}

async function connect(memory: ReturnType<typeof createMemoryConnector>, token?: string): Promise<Connector> {
  return memory.definition.create({ token }, createTestContext({ instanceId: "mem" }));
}

describe("createMemoryConnector", () => {
  it("pages by sequence and resumes incrementally after a change", async () => {
    const memory = createMemoryConnector(sampleData(7), { pageSize: 3 });
    const connector = await connect(memory);
    const full = await pages(connector.listInvoices({}));
    expect(full.map((p) => p.items.length)).toEqual([3, 3, 1]);
    const last = full.at(-1)!.cursor;
    expect(await pages(connector.listInvoices({ cursor: last }))).toEqual([{ items: [], cursor: last }]);
    memory.markPaid("INV-2");
    const changed = (await pages(connector.listInvoices({ cursor: last }))).flatMap(
      (p) => p.items,
    ) as Invoice[];
    expect(changed.map((i) => [i.externalId, i.status, i.openAmount.amountMinor])).toEqual([
      ["INV-2", "paid", 0],
    ]);
  });

  it("turns a record that fails the schema into a reject naming the field", async () => {
    const data = sampleData(2);
    data.invoices[1]!.dueDate = "31/02/2026";
    const connector = await connect(createMemoryConnector(data));
    const [page] = await pages(connector.listInvoices({}));
    expect(page!.items.map((i) => i.externalId)).toEqual(["INV-1"]);
    expect(page!.rejects).toMatchObject([{ entity: "invoices", externalId: "INV-2", error: /^dueDate: / }]);
  });

  it("fails the next calls with the given error, then recovers", async () => {
    const memory = createMemoryConnector(sampleData(1));
    const connector = await connect(memory);
    memory.failNext(new RateLimitError("slow down", 1500), 2);
    await expect(connector.healthCheck()).rejects.toMatchObject({ code: "RATE_LIMIT", retryAfterMs: 1500 });
    await expect(connector.getInvoice!("INV-1")).rejects.toMatchObject({ code: "RATE_LIMIT" });
    expect((await connector.getInvoice!("INV-1"))?.externalId).toBe("INV-1");
  });

  it("leaves undeclared methods off and checks the token", async () => {
    const memory = createMemoryConnector(sampleData(1), { capabilities: { payments: false }, token: "t" });
    const connector = await connect(memory, "nope");
    expect(connector.listPayments).toBeUndefined();
    const error = await connector.healthCheck().catch((e: unknown) => e);
    expect(isReguaError(error) && error.code).toBe("AUTH");
  });
});

describe("createMemoryChannel", () => {
  it("records sends, fails on demand and signs its webhooks", async () => {
    const memory = createMemoryChannel();
    const channel = await memory.definition.create({}, createTestContext());
    const message = { actionKey: "k1", to: "+5511987654321", text: "oi", preview: "oi" };
    expect(await channel.send(message)).toEqual({ providerMessageId: "mem-1" });
    memory.failWith(new Error("down"));
    await expect(channel.send(message)).rejects.toThrow("down");
    memory.failWith(null);
    expect(memory.sent).toHaveLength(1);

    const seen: string[] = [];
    memory.subscribe((event) => seen.push(event.kind));
    const { event, request } = memory.emitInbound("+5511987654321", "PARAR", "mem-1");
    expect(event).toMatchObject({ kind: "inbound", intent: "opt_out", replyTo: "mem-1" });
    expect(channel.webhook!.verify(request)).toBe(true);
    expect(channel.webhook!.parse(request)).toEqual([event]);
    expect(channel.webhook!.verify({ ...request, rawBody: Buffer.from("{}") })).toBe(false);
    expect(seen).toEqual(["inbound"]);
    const status = memory.emitStatus("mem-1", "read").event;
    expect(status).toMatchObject({ actionKey: "k1", recipient: "+5511987654321", status: "read" });
  });
});

describe("createTestContext", () => {
  it("gives an axios client with the base URL and headers, and a working state", async () => {
    const server = createServer((req, res) => {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ url: req.url, auth: req.headers.authorization ?? null }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const ctx = createTestContext({ instanceId: "x" });
      const client = ctx.http<AxiosInstance>({
        baseURL: `http://127.0.0.1:${port}/api`,
        headers: { Authorization: "Bearer abc" },
        rejectUnauthorized: false,
      });
      const { data } = await client.get("/things?x=1");
      expect(data).toEqual({ url: "/api/things?x=1", auth: "Bearer abc" });
      expect(ctx.instanceId).toBe("x");
      expect(ctx.signal.aborted).toBe(false);
    } finally {
      server.close();
    }
    const state = new MemoryKeyValueState();
    await state.set("a", "1");
    expect(await state.get("a")).toBe("1");
    await state.delete("a");
    expect(await state.get("a")).toBeNull();
  });
});

describe("createTestContext over TLS", () => {
  it("rejects a self-signed certificate unless rejectUnauthorized is false", async () => {
    const server = createHttpsServer({ key: SELF_SIGNED_KEY, cert: SELF_SIGNED_CERT }, (_req, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const baseURL = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const ctx = createTestContext();
      const strict = ctx.http<AxiosInstance>({ baseURL });
      await expect(strict.get("/")).rejects.toMatchObject({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
      const lenient = ctx.http<AxiosInstance>({ baseURL, rejectUnauthorized: false });
      expect((await lenient.get("/")).data).toEqual({ ok: true });
    } finally {
      server.close();
    }
  });
});
