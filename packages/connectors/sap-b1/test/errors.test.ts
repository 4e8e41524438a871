import { isReguaError, type ReguaError } from "@regua/core";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureError, collect, connect, startFake, type Version } from "./support.js";

function asRegua(error: unknown): ReguaError {
  if (!isReguaError(error)) throw new Error(`not a régua error: ${String(error)}`);
  return error;
}

describe.each(["v1", "v2"] as const)("Service Layer errors on /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  beforeAll(async () => {
    fake = await startFake(version);
  });
  afterAll(() => fake.close());

  it("maps -2028 (no matching records) to null from getInvoice", async () => {
    const connector = await connect(fake, version);
    expect(await connector.getInvoice!("987654")).toBeNull();
    expect(fake.requests.at(-1)?.path).toMatch(/^Invoices\(987654\)/);
    await connector.close();
  });

  it("maps -1000 (a property the company does not have) to ValidationError with SAP's text", async () => {
    const connector = await connect(fake, version, { udf: { boletoLine: "U_NaoExiste" } });
    const error = asRegua(await captureError(() => collect(connector.listInvoices({}))));
    expect(error.code).toBe("VALIDATION");
    expect(error.retryable).toBe(false);
    expect(error.provider).toMatchObject({ system: "sap-b1", code: "-1000", status: 400 });
    expect(error.provider?.message).toContain("U_NaoExiste");
    await connector.close();
  });

  it.each([
    [-10, "Invalid value"],
    [-5002, "Invalid field value"],
  ])("maps %i to ValidationError", async (code, message) => {
    const connector = await connect(fake, version);
    await connector.healthCheck();
    fake.injectFaults({ status: 400, code, message });
    const error = asRegua(await captureError(() => collect(connector.listCustomers({}))));
    expect(error.code).toBe("VALIDATION");
    expect(error.provider).toMatchObject({ code: String(code), message });
    await connector.close();
  });

  it("retries a 5xx (TransientError) a bounded number of times, then succeeds", async () => {
    const connector = await connect(fake, version);
    await connector.healthCheck();
    fake.injectFaults({ status: 503, code: -1, message: "Service Unavailable" });
    const invoice = await connector.getInvoice!("1");
    expect(invoice?.externalId).toBe("1");
    await connector.close();
  });

  it("gives up after three transient failures with TransientError carrying the code", async () => {
    const connector = await connect(fake, version);
    await connector.healthCheck();
    const fault = { status: 500, code: -1, message: "Internal error" };
    fake.injectFaults(fault, fault, fault);
    const error = asRegua(await captureError(() => connector.getInvoice!("1")));
    expect(error.code).toBe("TRANSIENT");
    expect(error.retryable).toBe(true);
    expect(error.provider).toMatchObject({ code: "-1", message: "Internal error", status: 500 });
    await connector.close();
  });

  it("does not retry a write: an activity POST failing with 5xx surfaces at once", async () => {
    const connector = await connect(fake, version);
    const activity = {
      key: `errors-5xx-${version}`,
      source: "matriz",
      kind: "message_sent" as const,
      customerRef: "C000001",
      invoiceRefs: [],
      occurredAt: "2026-03-15T12:00:00Z",
      channel: "whatsapp",
      providerMessageId: null,
      subject: "Lembrete enviado",
      details: "",
      actionKey: null,
    };
    fake.injectFaults({ status: 502, code: -1, message: "Bad gateway", method: "POST", path: "Activities" });
    const before = fake.requests.length;
    const error = asRegua(await captureError(() => connector.writeActivity!(activity)));
    expect(error.code).toBe("TRANSIENT");
    const posts = fake.requests.slice(before).filter((r) => r.method === "POST" && r.path === "Activities");
    expect(posts).toHaveLength(1);
    // The engine's retry of writeActivity looks up first, finds nothing, and writes once.
    expect((await connector.writeActivity!(activity)).created).toBe(true);
    await connector.close();
  });
});
