import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeQuickBooks, startFakeQuickBooks } from "../src/quickbooks/index.js";
import { INTUIT_LIMITS, Throttle } from "../src/quickbooks/limits.js";
import { parseQuery } from "../src/quickbooks/query.js";

let qbo: FakeQuickBooks;
let now = Date.parse("2026-03-15T12:00:00-03:00");

beforeAll(async () => {
  qbo = await startFakeQuickBooks({
    seed: 3,
    customers: 6,
    today: "2026-03-15",
    limits: { perSecond: 50 },
    now: () => new Date(now),
  });
});
afterAll(() => qbo.close());

async function token(refreshToken = qbo.issueRefreshToken()) {
  const basic = Buffer.from(`${qbo.clientId}:${qbo.clientSecret}`).toString("base64");
  const response = await fetch(qbo.tokenUrl, {
    method: "POST",
    headers: { authorization: `Basic ${basic}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function api(path: string, accessToken: string) {
  const response = await fetch(`${qbo.url}/v3/company/${qbo.realmId}/${path}`, {
    headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("fake QuickBooks Online", () => {
  it("rotates refresh tokens: the one used stops working", async () => {
    const first = qbo.issueRefreshToken();
    const refreshed = await token(first);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ token_type: "bearer", expires_in: 3600 });
    expect(refreshed.body.refresh_token).not.toBe(first);
    expect(await token(first)).toEqual({ status: 400, body: { error: "invalid_grant" } });
  });

  it("answers queries in Intuit's envelope and refuses MAXRESULTS over 1000 with a Fault", async () => {
    const { body } = await token();
    const access = body.access_token ?? "";
    const page = await api(
      `query?query=${encodeURIComponent("select * from Invoice where Balance > '0' orderby Id startposition 2 maxresults 3")}`,
      access,
    );
    const answer = page.body.QueryResponse as {
      Invoice: { Id: string; Balance: number }[];
      startPosition: number;
      maxResults: number;
    };
    expect(answer.startPosition).toBe(2);
    expect(answer.maxResults).toBe(3);
    expect(answer.Invoice.every((i) => i.Balance > 0)).toBe(true);
    const tooMany = await api(
      `query?query=${encodeURIComponent("select * from Invoice maxresults 1001")}`,
      access,
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ Fault: { type: "ValidationFault", Error: [{ code: "4000" }] } });
    const missing = await api("invoice/999999", access);
    expect(missing.body).toMatchObject({ Fault: { Error: [{ code: "610", Message: "Object Not Found" }] } });
  });

  it("answers an expired token with the lowercase fault and an unknown one with the Fault envelope", async () => {
    const { body } = await token();
    qbo.expireAccessTokens();
    const expired = await api("preferences", body.access_token ?? "");
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ fault: { type: "AUTHENTICATION", error: [{ code: "3200" }] } });
    const unknown = await api("preferences", "nope");
    expect(unknown.body).toMatchObject({ Fault: { type: "AUTHENTICATION", Error: [{ code: "3200" }] } });
  });

  it("CDC lists changes and deletions, and refuses a look-back over 30 days", async () => {
    const { body } = await token();
    const access = body.access_token ?? "";
    const since = new Date(now).toISOString();
    now += 60_000;
    const [open] = qbo.company.Invoice.filter((i) => i.Balance > 0);
    qbo.payInvoice(open?.Id ?? "", "2026-03-15");
    qbo.deleteInvoice(qbo.company.Invoice.at(-1)?.Id ?? "");
    const cdc = await api(`cdc?entities=Invoice,Payment&changedSince=${encodeURIComponent(since)}`, access);
    const groups =
      (cdc.body.CDCResponse as { QueryResponse: Record<string, { Id: string; status?: string }[]>[] }[])[0]
        ?.QueryResponse ?? [];
    expect(groups[0]?.Invoice?.map((i) => i.status ?? "changed")).toEqual(["changed", "Deleted"]);
    expect(groups[1]?.Payment).toHaveLength(1);
    const old = await api(`cdc?entities=Invoice&changedSince=2026-01-01T00:00:00Z`, access);
    expect(old.status).toBe(400);
  });

  it("throttles per realm with 429 and a ThrottleExceeded Fault, no Retry-After", async () => {
    const { body } = await token();
    const answers = await Promise.all(
      Array.from({ length: 60 }, () => api("preferences", body.access_token ?? "")),
    );
    const throttled = answers.filter((a) => a.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled[0]?.body).toMatchObject({ Fault: { Error: [{ code: "3001" }] } });
  });

  it("counts 500 a minute and 10 a second in sliding windows, and keeps the peaks it accepted", () => {
    let now = 0;
    const throttle = new Throttle(INTUIT_LIMITS, () => now);
    const send = () => {
      const ok = throttle.admit("r");
      if (ok) throttle.release("r");
      return ok;
    };
    for (let i = 0; i < 10; i++) expect(send()).toBe(true);
    expect(send()).toBe(false); // the 11th within the same second
    now = 1_001;
    expect(send()).toBe(true);
    // 10 a second for the rest of the minute: the 500th is accepted, the 501st within 60 s is not.
    let accepted = 11;
    while (now < 59_000) {
      now += 100;
      if (send()) accepted += 1;
    }
    expect(accepted).toBe(500);
    expect(throttle.peakSecond).toBe(10);
    expect(throttle.peakMinute).toBe(500);
    now = 60_001; // the first ten fell out of the window
    expect(send()).toBe(true);
    expect(throttle.peakMinute).toBe(500);
  });

  it("reads the query grammar régua sends", () => {
    expect(
      parseQuery(
        "select * from Invoice where MetaData.LastUpdatedTime >= '2026-03-01T00:00:00-03:00' orderby MetaData.LastUpdatedTime startposition 1001 maxresults 1000",
      ),
    ).toMatchObject({
      entity: "Invoice",
      where: [{ field: "MetaData.LastUpdatedTime", op: ">=" }],
      orderBy: { field: "MetaData.LastUpdatedTime", desc: false },
      startPosition: 1001,
      maxResults: 1000,
    });
    expect(parseQuery("SELECT COUNT(*) FROM Customer WHERE Id IN ('1','2')").count).toBe(true);
    expect(() => parseQuery("select * from Invoice where A = 1 or B = 2")).toThrow();
  });
});
