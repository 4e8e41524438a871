import { isReguaError } from "@regua/core";
import type { FakeOdoo } from "@regua/test-fixtures/odoo";
import { afterEach, describe, expect, it } from "vitest";
import { all, captureError, connect, KEY, startFake } from "./support.js";

let fake: FakeOdoo | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const protocols = (odoo: FakeOdoo) =>
  new Set(odoo.requests.map((r) => r.protocol).filter((p) => p !== "http"));

describe("one interface, two protocols", () => {
  it("auto on Odoo 17: /web/version is 404, common.version says 17.0, reads go over XML-RPC", async () => {
    fake = await startFake({ version: "17.0" });
    const odoo = await connect(fake);
    const health = await odoo.healthCheck();
    expect(health).toMatchObject({ ok: true });
    expect(health.detail).toMatch(/^Odoo 17\.0 over XML-RPC/);
    expect((await all(odoo.listInvoices({}))).length).toBeGreaterThan(0);
    expect(protocols(fake)).toEqual(new Set(["xmlrpc"]));
    expect(fake.requests.filter((r) => r.method === "authenticate")).toHaveLength(1);
  });

  it("auto on Odoo 19 with an API key: JSON-2, no XML-RPC call at all", async () => {
    fake = await startFake({ version: "19.0" });
    const odoo = await connect(fake);
    expect((await odoo.healthCheck()).detail).toMatch(/^Odoo 19\.0 over JSON-2/);
    const invoices = await all(odoo.listInvoices({}));
    expect(invoices.length).toBeGreaterThan(0);
    expect(protocols(fake)).toEqual(new Set(["json2"]));
  });

  it("Odoo 19 with only a password stays on XML-RPC (deprecated there, still served until 22)", async () => {
    fake = await startFake({ version: "19.0" });
    const odoo = await connect(fake, { apiKey: undefined, password: "s3cr3t-odoo" });
    expect((await odoo.healthCheck()).detail).toMatch(/over XML-RPC/);
    expect(protocols(fake)).toEqual(new Set(["xmlrpc"]));
  });

  it("both protocols list the same records from the same data", async () => {
    fake = await startFake({ version: "19.0" });
    const [viaJson2, viaXmlRpc] = await Promise.all([
      all((await connect(fake, { protocol: "json2" })).listInvoices({})),
      all((await connect(fake, { protocol: "xmlrpc", apiKey: KEY })).listInvoices({})),
    ]);
    const strip = (list: typeof viaJson2) => list.map(({ raw: _raw, ...rest }) => rest);
    expect(strip(viaJson2)).toEqual(strip(viaXmlRpc));
  });

  it("options refuse JSON-2 without an API key and XML-RPC without a login", async () => {
    fake = await startFake({ version: "19.0" });
    const error = await captureError(() => connect(fake!, { protocol: "json2", apiKey: undefined }));
    expect(String((error as Error).message)).toMatch(/apiKey/);
    const noLogin = await captureError(() => connect(fake!, { protocol: "xmlrpc", login: undefined }));
    expect(String((noLogin as Error).message)).toMatch(/login/);
    expect(isReguaError(error)).toBe(false); // a zod error from the options schema: the runner reports it with the path
  });
});
