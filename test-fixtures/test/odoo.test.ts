import { Deserializer, serializeMethodCall, type XmlRpcValue } from "@foxglove/xmlrpc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeOdoo, startFakeOdoo } from "../src/odoo/index.js";

let v17: FakeOdoo;
let v19: FakeOdoo;
const KEY = "6578616d706c65206a736f6e20617069206b6579";

beforeAll(async () => {
  v17 = await startFakeOdoo({ seed: 3, customers: 8, today: "2026-03-15", version: "17.0", password: "pw" });
  v19 = await startFakeOdoo({ seed: 3, customers: 8, today: "2026-03-15", version: "19.0", apiKey: KEY });
});
afterAll(async () => {
  await v17.close();
  await v19.close();
});

async function xmlrpc(odoo: FakeOdoo, service: string, method: string, params: XmlRpcValue[]) {
  const response = await fetch(`${odoo.url}/xmlrpc/2/${service}`, {
    method: "POST",
    headers: { "content-type": "text/xml" },
    body: serializeMethodCall(method, params),
  });
  expect(response.status).toBe(200);
  return new Deserializer().deserializeMethodResponse(await response.text());
}

async function json2(odoo: FakeOdoo, path: string, body: unknown, key = KEY) {
  const response = await fetch(`${odoo.url}/json/2/${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: `bearer ${key}`,
      "x-odoo-database": "odoo",
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
}

describe("fake Odoo", () => {
  it("XML-RPC: version, authenticate (uid or False) and execute_kw search_read with Odoo's conventions", async () => {
    expect(await xmlrpc(v17, "common", "version", [])).toMatchObject({
      server_version: "17.0",
      protocol_version: 1,
    });
    expect(await xmlrpc(v17, "common", "authenticate", ["odoo", "admin", "pw", {}])).toBe(2);
    expect(await xmlrpc(v17, "common", "authenticate", ["odoo", "admin", "wrong", {}])).toBe(false);
    const rows = (await xmlrpc(v17, "object", "execute_kw", [
      "odoo",
      2,
      "pw",
      "account.move",
      "search_read",
      [[["move_type", "=", "out_invoice"]]],
      {
        fields: ["name", "partner_id", "currency_id", "write_date", "invoice_origin"],
        limit: 3,
        order: "write_date asc, id asc",
      },
    ])) as Record<string, unknown>[];
    expect(rows).toHaveLength(3);
    const [first] = rows;
    expect(first?.partner_id).toEqual([expect.any(Number), expect.any(String)]);
    expect(first?.invoice_origin).toBe(false);
    expect(first?.write_date).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(String(rows[0]?.write_date) <= String(rows[1]?.write_date)).toBe(true);
  });

  it("XML-RPC faults: 3 Access Denied for a wrong secret, 2 for a missing record, 1 with a traceback for a bad field", async () => {
    const call = (secret: string, method: string, args: XmlRpcValue[], kwargs: XmlRpcValue = {}) =>
      xmlrpc(v17, "object", "execute_kw", ["odoo", 2, secret, "account.move", method, args, kwargs]).catch(
        (e: unknown) => e,
      );
    expect(await call("wrong", "search_count", [[]])).toMatchObject({
      faultCode: 3,
      faultString: "Access Denied",
    });
    const missing = await call("pw", "read", [[999_999]], { fields: ["name"] });
    expect(missing).toMatchObject({ faultCode: 2 });
    expect((missing as { faultString: string }).faultString).toMatch(
      /^Record does not exist or has been deleted/,
    );
    const bad = await call("pw", "search_read", [[]], { fields: ["nope"] });
    expect(bad).toMatchObject({ faultCode: 1 });
    expect((bad as { faultString: string }).faultString).toMatch(
      /ValueError: Invalid field 'nope' on model 'account.move'/,
    );
  });

  it("JSON-2: search_read with named parameters, and the documented error object", async () => {
    const ok = await json2(v19, "res.partner/search_read", {
      domain: [["parent_id", "=", false]],
      fields: ["name", "vat"],
      limit: 2,
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toHaveLength(2);
    const unauthorized = await json2(v19, "res.partner/search_read", {}, "nope");
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toMatchObject({
      name: "werkzeug.exceptions.Unauthorized",
      message: "Invalid apikey",
      arguments: ["Invalid apikey", 401],
    });
    const missing = await json2(v19, "account.move/read", { ids: [999_999], fields: ["name"] });
    expect(missing).toMatchObject({ status: 404, body: { name: "odoo.exceptions.MissingError" } });
  });

  it("lifecycle: a registered payment is in_payment until reconciled; a reversal creates an out_refund", async () => {
    const [open] = v17.orm.search(
      "account.move",
      [
        ["payment_state", "=", "not_paid"],
        ["state", "=", "posted"],
      ],
      0,
      1,
    );
    const before = String(open?.write_date);
    v17.registerPayment(open!.id);
    expect(open).toMatchObject({ payment_state: "in_payment", amount_residual: 0 });
    expect(String(open?.write_date) > before).toBe(true);
    v17.reconcile(open!.id);
    expect(open?.payment_state).toBe("paid");
    const [other] = v17.orm.search(
      "account.move",
      [
        ["payment_state", "=", "not_paid"],
        ["state", "=", "posted"],
      ],
      0,
      1,
    );
    const refund = v17.reverse(other!.id);
    expect(refund).toMatchObject({ move_type: "out_refund", reversed_entry_id: [other!.id, other!.name] });
    expect(other?.payment_state).toBe("reversed");
  });

  it("serves /web/version from 18.0 on and JSON-2 only from 19.0", async () => {
    expect((await fetch(`${v17.url}/web/version`)).status).toBe(404);
    expect(await (await fetch(`${v19.url}/web/version`)).json()).toEqual({
      version_info: [19, 0, 0, "final", 0, ""],
      version: "19.0",
    });
  });
});
