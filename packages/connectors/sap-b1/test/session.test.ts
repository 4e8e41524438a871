import { type HttpClientOptions, isReguaError, ManualClock } from "@regua/core";
import type { FakeServiceLayer } from "@regua/test-fixtures/sap-b1";
import { axiosTransport, createTestContext } from "@regua/testkit";
import { afterEach, describe, expect, it } from "vitest";
import connector from "../src/index.js";
import {
  captureError,
  collect,
  connect,
  events,
  LOGIN,
  type RecordedLog,
  startFake,
  type Version,
} from "./support.js";

describe.each(["v1", "v2"] as const)("session on /b1s/%s", (version: Version) => {
  let fake: FakeServiceLayer;
  afterEach(() => fake?.close());

  it("logs in once for many concurrent requests and logs out on close", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    await Promise.all([
      collect(connector.listCustomers({})),
      collect(connector.listInvoices({})),
      collect(connector.listPayments!({})),
      connector.getInvoice!("1"),
    ]);
    expect(fake.stats().logins).toBe(1);
    await connector.close();
    expect(fake.stats()).toMatchObject({ logins: 1, logouts: 1, sessions: 0 });
  });

  it("logs in again when the session expired and retries the request once", async () => {
    fake = await startFake(version);
    const log: RecordedLog[] = [];
    const connector = await connect(fake, version, {}, log);
    expect(await connector.getInvoice!("1")).not.toBeNull();
    fake.expireSessions();
    const invoices = (await collect(connector.listInvoices({}))).flatMap((p) => p.items);
    expect(invoices).toHaveLength(fake.dataset.invoices.length);
    expect(fake.stats().logins).toBe(2);
    expect(log.some((l) => (l.obj as { event?: string }).event === "sap-b1.relogin")).toBe(true);
    await connector.close();
  });

  it("renews the session before the Login's SessionTimeout runs out: no 401 is paid", async () => {
    const clock = new ManualClock("2026-03-15T12:00:00Z");
    fake = await startFake(version, { sessionTimeoutMs: 30 * 60_000, now: () => clock.now().getTime() });
    const log: RecordedLog[] = [];
    const connector = await connect(fake, version, {}, log, clock);
    expect(await connector.getInvoice!("1")).not.toBeNull();
    // Used every 20 minutes, the session never idles out: one login for an hour of work.
    for (let i = 0; i < 3; i++) {
      clock.advance(20 * 60_000);
      expect(await connector.getInvoice!("1")).not.toBeNull();
    }
    expect(fake.stats()).toMatchObject({ logins: 1, unauthorized: 0 });
    // Idle past the timeout (30 minutes, as Login answered): a new login first, never a 401.
    clock.advance(30 * 60_000);
    expect(await connector.getInvoice!("2")).not.toBeNull();
    expect(fake.stats()).toMatchObject({ logins: 2, unauthorized: 0 });
    // Inside the safety margin (the last minute) it renews too, before the server would drop it.
    clock.advance(29 * 60_000 + 1);
    expect(await connector.getInvoice!("2")).not.toBeNull();
    expect(fake.stats()).toMatchObject({ logins: 3, unauthorized: 0 });
    expect(events(log, "sap-b1.session_renew")).toHaveLength(2);
    expect(events(log, "sap-b1.relogin")).toHaveLength(0);
    await connector.close();
  });

  it("survives the idle timeout when the server drops the session early: re-login on the 401", async () => {
    fake = await startFake(version, { sessionTimeoutMs: 150 });
    const connector = await connect(fake, version);
    expect(await connector.getInvoice!("2")).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await connector.getInvoice!("2")).not.toBeNull();
    expect(fake.stats().logins).toBe(2);
    await connector.close();
  });

  it("sends both B1SESSION and ROUTEID, the load balancer's routing cookie", async () => {
    fake = await startFake(version);
    const login = await fetch(`${fake.url}/b1s/${version}/Login`, {
      method: "POST",
      body: JSON.stringify({ CompanyDB: LOGIN.companyDb, UserName: LOGIN.user, Password: LOGIN.password }),
    });
    const session =
      login.headers
        .getSetCookie()
        .find((c) => c.startsWith("B1SESSION="))
        ?.split(";")[0] ?? "";
    const withoutRoute = await fetch(`${fake.url}/b1s/${version}/Invoices(1)`, {
      headers: { cookie: session },
    });
    expect(withoutRoute.status).toBe(401);
    // The connector keeps both cookies, so it is served.
    const connector = await connect(fake, version);
    expect(await connector.getInvoice!("1")).not.toBeNull();
    await connector.close();
  });

  it("fails with AuthError carrying SAP's -304 on a wrong password, and never logs the password", async () => {
    fake = await startFake(version);
    const log: RecordedLog[] = [];
    const connector = await connect(fake, version, { password: "wrong-password-XYZ" }, log);
    const error = await captureError(() => collect(connector.listInvoices({})));
    expect(isReguaError(error) && error.code).toBe("AUTH");
    expect(isReguaError(error) && error.provider).toMatchObject({
      system: "sap-b1",
      code: "-304",
      status: 401,
    });
    expect(isReguaError(error) && error.provider?.message).toBe("Invalid login credential.");
    const health = await connector.healthCheck();
    expect(health.ok).toBe(false);
    expect(fake.stats().logins).toBe(0);
    expect(JSON.stringify(log)).not.toContain("wrong-password-XYZ");
    expect(JSON.stringify(log)).not.toContain("B1SESSION");
    await connector.close();
  });

  it("passes its health check: login plus one cheap read", async () => {
    fake = await startFake(version);
    const connector = await connect(fake, version);
    const health = await connector.healthCheck();
    expect(health.ok).toBe(true);
    expect(fake.requests.at(-1)?.path).toMatch(/^BusinessPartners\?.*top=1/);
    await connector.close();
  });

  it("hands tls.rejectUnauthorized and the version's root to the HTTP factory", async () => {
    fake = await startFake(version);
    const made: HttpClientOptions[] = [];
    const ctx = createTestContext({ instanceId: "matriz" });
    ctx.http = <T>(options: HttpClientOptions) => {
      made.push(options);
      return axiosTransport<T>(options);
    };
    const options = connector.optionsSchema.parse({
      baseUrl: `${fake.url}/b1s/${version}/`,
      version,
      ...LOGIN,
      tls: { rejectUnauthorized: false },
    });
    const sap = await connector.create(options, ctx);
    expect((await sap.healthCheck()).ok).toBe(true);
    expect(made).toEqual([
      expect.objectContaining({ baseURL: `${fake.url}/b1s/${version}/`, rejectUnauthorized: false }),
    ]);
    await sap.close();
  });
});
