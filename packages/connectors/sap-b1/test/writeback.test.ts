import { CollectionActivity } from "@regua/core";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { afterEach, describe, expect, it } from "vitest";
import { activityMarker } from "../src/writeback.js";
import { connect, type RecordedLog, startFake, type Version } from "./support.js";

function activity(key: string, invoiceRefs: string[] = ["1"]) {
  return CollectionActivity.parse({
    key,
    source: "matriz",
    kind: "message_delivered",
    customerRef: "C000001",
    invoiceRefs,
    occurredAt: "2026-03-15T13:45:10-03:00",
    channel: "whatsapp",
    providerMessageId: "wamid.HBgM123",
    subject: "Lembrete: fatura 100001 vence amanhã",
    details: "Olá, sua fatura de R$ 123,45 vence amanhã.",
  });
}

describe.each(["v1", "v2"] as const)("activities on /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  afterEach(() => fake?.close());

  it("writes one activity linked to the partner and the invoice, with this version's kind property", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const first = await connector.writeActivity!(activity("act-1"));
    expect(first.created).toBe(true);
    const stored = await fake.activities();
    expect(stored).toHaveLength(1);
    // CAP stores it under the metadata's name; the connector had to send this version's name.
    expect(stored[0]).toMatchObject({
      ActivityCode: Number(first.externalId),
      CardCode: "C000001",
      DocType: "13",
      DocEntry: "1",
      Closed: "tYES",
      [version === "v1" ? "Activity" : "ActivityProperty"]: "cn_Conversation",
    });
    expect(String(stored[0]?.Details)).toMatch(new RegExp(`^${activityMarker("act-1")} Lembrete`));
    expect(String(stored[0]?.Notes)).toContain("status: message_delivered");
    expect(String(stored[0]?.Notes)).toContain("wamid.HBgM123");
    expect(String(stored[0]?.ActivityDate).slice(0, 10)).toBe("2026-03-15");
    expect(stored[0]?.ActivityTime).toBe("16:45:10");
    await connector.close();
  });

  it("is idempotent by key: the second write finds the first", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const first = await connector.writeActivity!(activity("act-2"));
    const second = await connector.writeActivity!(activity("act-2"));
    expect(second).toEqual({ externalId: first.externalId, created: false });
    const other = await connector.writeActivity!(activity("act-3"));
    expect(other.created).toBe(true);
    expect(await fake.activities()).toHaveLength(2);
    await connector.close();
  });

  it("the fake refuses the other version's property name, as the Service Layer does", async () => {
    fake = await startFake(version);
    const login = await fetch(`${fake.url}/b1s/${version}/Login`, {
      method: "POST",
      body: JSON.stringify({ CompanyDB: "SBODEMOBR", UserName: "manager", Password: "s3cr3t-B1" }),
    });
    const cookie = login.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const wrong = version === "v1" ? "ActivityProperty" : "Activity";
    const answer = await fetch(`${fake.url}/b1s/${version}/Activities`, {
      method: "POST",
      headers: { cookie },
      body: JSON.stringify({ CardCode: "C000001", [wrong]: "cn_Conversation" }),
    });
    expect(answer.status).toBe(400);
    const body = (await answer.json()) as { error: { code: unknown } };
    expect(body.error.code).toBe(version === "v1" ? -1000 : "-1000");
  });

  it("falls back to a partner-level activity when the document link is rejected, and logs it", async () => {
    fake = await startFake(version, { rejectDocumentLinks: true });
    const log: RecordedLog[] = [];
    const connector = await connect(fake, version, {}, log);
    const written = await connector.writeActivity!(activity("act-4"));
    expect(written.created).toBe(true);
    const stored = await fake.activities();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ CardCode: "C000001", DocEntry: null });
    expect(String(stored[0]?.Notes)).toContain("invoices (DocEntry): 1");
    const warning = log.find((l) => (l.obj as { event?: string }).event === "sap-b1.activity_link_rejected");
    expect(warning?.level).toBe("warn");
    expect(JSON.stringify(warning?.obj)).toContain("-5002");
    await connector.close();
  });

  it("carries the configured activity type, subject and handler", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version, {
      activity: { activityType: 7, subject: 3, handledBy: 12 },
    });
    await connector.writeActivity!(activity("act-5"));
    expect((await fake.activities())[0]).toMatchObject({ ActivityType: 7, Subject: 3, HandledBy: 12 });
    await connector.close();
  });
});
