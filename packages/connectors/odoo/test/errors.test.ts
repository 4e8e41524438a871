import { isReguaError, type ReguaError } from "@regua/core";
import type { FakeOdoo } from "@regua/test-fixtures/odoo";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classifyJson2, faultVerdict, KEY_HINT } from "../src/errors.js";
import { all, captureError, connect, startFake } from "./support.js";

// Fault strings as Odoo writes them: rpc.py xmlrpc_handle_exception_int (codes), AccessDenied's
// default message, models.py MissingError, and a code-1 traceback ending in the exception line.
const MISSING = "Record does not exist or has been deleted.\n(Record: account.move(999999,), User: 2)";
const VALIDATION = "The operation cannot be completed: another model requires the record being deleted.";
const TRACEBACK = `Traceback (most recent call last):
  File "/usr/lib/python3/dist-packages/odoo/addons/base/controllers/rpc.py", line 160, in xmlrpc_2
    response = self._xmlrpc(service)
ValueError: Invalid field 'mobil' on model 'res.partner'
`;

describe("Odoo's faults and error objects as core errors", () => {
  it("XML-RPC fault codes: 3 and 4 AUTH, 2 NOT_FOUND or VALIDATION by the string, 1 by the exception", () => {
    expect(faultVerdict(3, "Access Denied")).toEqual({ kind: "AUTH", code: 3, message: "Access Denied" });
    expect(
      faultVerdict(4, "You are not allowed to access 'Journal Entry' (account.move) records.").kind,
    ).toBe("AUTH");
    expect(faultVerdict(2, MISSING).kind).toBe("NOT_FOUND");
    expect(faultVerdict(2, VALIDATION).kind).toBe("VALIDATION");
    expect(faultVerdict(1, TRACEBACK)).toEqual({
      kind: "VALIDATION",
      code: 1,
      message: "ValueError: Invalid field 'mobil' on model 'res.partner'",
    });
    expect(
      faultVerdict(
        1,
        "Traceback…\npsycopg2.errors.SerializationFailure: could not serialize access due to concurrent update",
      ).kind,
    ).toBe("TRANSIENT");
    expect(
      faultVerdict(1, 'Traceback…\npsycopg2.OperationalError: FATAL:  database "prod" does not exist').kind,
    ).toBe("CONFIG");
  });

  it("JSON-2 error objects: the documented 401 body, MissingError, a builtins ValueError on a 500", () => {
    const response = (status: number, data: unknown) => ({ status, headers: {}, setCookie: [], data });
    // The example of "External JSON-2 API" → Response (odoo.com/documentation/19.0).
    const unauthorized = {
      name: "werkzeug.exceptions.Unauthorized",
      message: "Invalid apikey",
      arguments: ["Invalid apikey", 401],
      context: {},
      debug: "Traceback…",
    };
    expect(classifyJson2(response(401, unauthorized))).toEqual({
      kind: "AUTH",
      code: "werkzeug.exceptions.Unauthorized",
      message: "Invalid apikey",
    });
    expect(
      classifyJson2(
        response(404, { name: "odoo.exceptions.MissingError", message: MISSING, arguments: [MISSING] }),
      )?.kind,
    ).toBe("NOT_FOUND");
    expect(
      classifyJson2(
        response(500, { name: "builtins.ValueError", message: "Invalid field 'x' on model 'account.move'" }),
      )?.kind,
    ).toBe("VALIDATION");
    expect(classifyJson2(response(422, "got an unexpected keyword argument 'badparameter'"))).toEqual({
      message: "got an unexpected keyword argument 'badparameter'",
    });
    expect(classifyJson2(response(200, []))).toBeUndefined();
  });
});

describe.each(["17.0", "19.0"] as const)("against the fake Odoo %s", (version) => {
  let fake: FakeOdoo;
  beforeAll(async () => {
    fake = await startFake({ version });
  });
  afterAll(() => fake.close());

  it("a wrong secret is AuthError naming Odoo's words, with what to do about an expired key", async () => {
    const odoo = await connect(fake, version === "19.0" ? { apiKey: "0000wrong" } : { password: "wrong" });
    const error = (await captureError(() => all(odoo.listCustomers({})))) as ReguaError;
    expect(isReguaError(error) && error.code).toBe("AUTH");
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(KEY_HINT);
    expect(error.message).toMatch(version === "19.0" ? /Invalid apikey/ : /authenticate answered False/);
  });

  it("an API key that expires while the connector runs: AuthError at the next call, saying keys expire", async () => {
    const local = await startFake({ version, apiKeyExpiresAt: "2999-01-01T00:00:00Z" });
    try {
      const odoo = await connect(local, {
        apiKey: "6578616d706c65206a736f6e20617069206b6579",
        password: undefined,
      });
      expect((await odoo.healthCheck()).ok).toBe(true);
      local.expireApiKey();
      const error = (await captureError(() => all(odoo.listInvoices({})))) as ReguaError;
      expect(error.code).toBe("AUTH");
      expect(error.message).toMatch(/expire/);
      expect(error.provider?.message).toBe(version === "19.0" ? "Invalid apikey" : "Access Denied");
      const health = await odoo.healthCheck();
      expect(health.ok).toBe(false);
      expect(health.detail).toMatch(/API key/);
    } finally {
      await local.close();
    }
  });

  it("a proxy's 503 on a read is retried by the kit; the listing completes", async () => {
    const odoo = await connect(fake);
    await odoo.healthCheck();
    fake.failNext(1, 503);
    expect((await all(odoo.listCustomers({}))).length).toBeGreaterThan(0);
  });

  it("an unknown invoice id is null from getInvoice, a refund is not an invoice", async () => {
    const odoo = await connect(fake);
    expect(await odoo.getInvoice?.("999999")).toBeNull();
    expect(await odoo.getInvoice?.("not-a-number")).toBeNull();
    const [invoice] = fake.orm.search(
      "account.move",
      [
        ["state", "=", "posted"],
        ["payment_state", "=", "not_paid"],
      ],
      0,
      1,
    );
    const refund = fake.reverse(invoice!.id);
    expect(await odoo.getInvoice?.(String(refund.id))).toBeNull();
  });
});
