import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { convertEdmx } from "../src/sap-b1/edmx.js";
import { type FakeServiceLayer, startFakeServiceLayer } from "../src/sap-b1/index.js";
import metadataV1 from "../src/sap-b1/metadata-v1.json" with { type: "json" };
import metadataV2 from "../src/sap-b1/metadata-v2.json" with { type: "json" };

// Each describe starts CAP in a worker thread; leave room for a busy machine.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 60_000 });

// The real metadata lives in ../shared/specs beside the checkout (as in CI); REGUA_SAP_SPECS overrides.
const SPECS =
  process.env.REGUA_SAP_SPECS ?? fileURLToPath(new URL("../../../shared/specs/sap-b1", import.meta.url));
const LOGIN = { CompanyDB: "SBODEMOBR", UserName: "manager", Password: "pw-1" };

describe("metadata converted from the real EDMX", () => {
  it.skipIf(!existsSync(`${SPECS}/SAPB1-v2.edmx`)).each([
    ["v1", metadataV1],
    ["v2", metadataV2],
  ] as const)("%s: the committed JSON is what edmx.ts makes of SAPB1-%s.edmx", (version, committed) => {
    const file = `${SPECS}/SAPB1-${version}.edmx`;
    expect(convertEdmx(readFileSync(file, "utf8"))).toEqual(committed);
  });

  it("turns enums into strings of member names, drops UDFs and keeps the activity property per version", () => {
    const status = metadataV2.Document.elements.DocumentStatus as {
      type: string;
      enum: Record<string, unknown>;
    };
    expect(status.type).toBe("cds.String");
    expect(Object.keys(status.enum)).toContain("bost_Open");
    for (const type of Object.values(metadataV2)) {
      expect(Object.keys(type.elements).filter((name) => name.startsWith("U_"))).toEqual([]);
    }
    expect(Object.keys(metadataV1.Activity.elements)).toContain("Activity");
    expect(Object.keys(metadataV2.Activity.elements)).toContain("ActivityProperty");
    expect(metadataV2.Payment.elements.PaymentInvoices).toHaveProperty("items.elements.SumApplied");
  });
});

describe.each(["v1", "v2"] as const)("fake Service Layer wire, model from the %s metadata", (model) => {
  let fake: FakeServiceLayer;
  const cookies: Record<string, string> = {};
  beforeAll(async () => {
    const started = performance.now();
    fake = await startFakeServiceLayer({
      seed: 3,
      customers: 300,
      today: "2026-03-15",
      user: LOGIN.UserName,
      password: LOGIN.Password,
      companyDb: LOGIN.CompanyDB,
      version: model,
    });
    // regua demo starts it with a few hundred customers: it must be quick.
    expect(performance.now() - started).toBeLessThan(15_000);
    for (const version of ["v1", "v2"]) {
      const answer = await fetch(`${fake.url}/b1s/${version}/Login`, {
        method: "POST",
        body: JSON.stringify(LOGIN),
      });
      expect(answer.status).toBe(200);
      cookies[version] = answer.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
    }
  }, 30_000);
  afterAll(() => fake.close());

  const get = async (version: string, path: string, headers: Record<string, string> = {}) => {
    const answer = await fetch(`${fake.url}/b1s/${version}/${path}`, {
      headers: { cookie: cookies[version] ?? "", ...headers },
    });
    return {
      status: answer.status,
      headers: answer.headers,
      body: (await answer.json()) as Record<string, unknown>,
    };
  };

  it("pages at 20 by default and honours Prefer: odata.maxpagesize, with each version's next link", async () => {
    const v2 = await get("v2", "Invoices?$select=DocEntry");
    expect((v2.body.value as unknown[]).length).toBe(20);
    expect(v2.body["@odata.nextLink"]).toBe("Invoices?$select=DocEntry&$skip=20");
    const v1 = await get("v1", "Invoices?$select=DocEntry", { prefer: "odata.maxpagesize=7" });
    expect((v1.body.value as unknown[]).length).toBe(7);
    expect(v1.body["odata.nextLink"]).toBe("Invoices?$select=DocEntry&$skip=7");
    expect(v1.headers.get("preference-applied")).toBe("odata.maxpagesize=7");
    const last = await get("v2", `Invoices?$select=DocEntry&$skip=${fake.dataset.invoices.length - 3}`);
    expect((last.body.value as unknown[]).length).toBe(3);
    expect(last.body["@odata.nextLink"]).toBeUndefined();
  });

  it("answers with each version's date format and context key", async () => {
    const v1 = await get("v1", "Invoices(1)?$select=DocEntry,DocDate");
    const v2 = await get("v2", "Invoices(1)?$select=DocEntry,DocDate");
    expect(v1.body.DocDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(v2.body.DocDate).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    expect(v1.body).toHaveProperty(["odata.metadata"]);
    expect(v2.body).toHaveProperty(["@odata.context"]);
  });

  it("uses the Service Layer error envelope: v1 numeric code and {lang,value}, v2 strings", async () => {
    const v1 = await get("v1", "Invoices(99999999)");
    expect(v1.status).toBe(404);
    expect(v1.body).toEqual({
      error: { code: -2028, message: { lang: "en-us", value: "No matching records found (ODBC -2028)" } },
    });
    const v2 = await get("v2", "Invoices?$filter=Nope eq 1");
    expect(v2.status).toBe(400);
    expect(v2.body).toMatchObject({ error: { code: "-1000", message: expect.stringContaining("Nope") } });
  });

  it("filters with v1's quoted date literals and v2's bare ones to the same rows", async () => {
    const v1 = await get("v1", "Invoices?$select=DocEntry&$filter=UpdateDate ge '2026-03-01'&$top=1000", {
      prefer: "odata.maxpagesize=1000",
    });
    const v2 = await get(
      "v2",
      "Invoices?$select=DocEntry&$filter=UpdateDate ge 2026-03-01T00:00:00Z&$top=1000",
      {
        prefer: "odata.maxpagesize=1000",
      },
    );
    const expected = fake.dataset.invoices.filter((i) => i.updatedAt >= "2026-03-01").length;
    expect((v1.body.value as unknown[]).length).toBe(expected);
    expect((v2.body.value as unknown[]).length).toBe(expected);
  });

  it("refuses requests without a live session (301) and ends a session on Logout", async () => {
    const none = await fetch(`${fake.url}/b1s/v2/Invoices(1)`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { code: "301", message: "Invalid session or session already timeout." },
    });
    const bad = await fetch(`${fake.url}/b1s/v1/Login`, {
      method: "POST",
      body: JSON.stringify({ ...LOGIN, Password: "nope" }),
    });
    expect(bad.status).toBe(401);
    expect(((await bad.json()) as { error: { code: unknown } }).error.code).toBe(-304);
    const login = await fetch(`${fake.url}/b1s/v2/Login`, { method: "POST", body: JSON.stringify(LOGIN) });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    expect((await fetch(`${fake.url}/b1s/v2/Logout`, { method: "POST", headers: { cookie } })).status).toBe(
      204,
    );
    expect((await fetch(`${fake.url}/b1s/v2/Invoices(1)`, { headers: { cookie } })).status).toBe(401);
  });

  it("markPaid closes the invoice in CAP and books an incoming payment for it", async () => {
    const open = fake.dataset.invoices.find((i) => i.status === "open" && i.paid === "0.00");
    if (!open) throw new Error("no open invoice");
    await fake.markPaid(open.id, "2026-03-16");
    const invoice = await get("v2", `Invoices(${open.id})?$select=DocumentStatus,PaidToDate,DocTotal`);
    expect(invoice.body).toMatchObject({ DocumentStatus: "bost_Close", PaidToDate: Number(open.total) });
    const payments = await get("v2", "IncomingPayments?$orderby=DocEntry desc&$top=1");
    const [payment] = payments.body.value as {
      PaymentInvoices: { DocEntry: number; SumApplied: number }[];
    }[];
    expect(payment?.PaymentInvoices).toEqual([
      expect.objectContaining({ DocEntry: open.id, SumApplied: Number(open.total) }),
    ]);
  });
});
