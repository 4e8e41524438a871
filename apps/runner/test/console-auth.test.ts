import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { ManualClock, silentLogger } from "@regua/core";
import { createSqliteStore, type ReguaStore } from "@regua/store";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { hashPassword } from "../src/console/passwords.js";
import { ConsoleConfig } from "../src/console/schema.js";
import { buildServer } from "../src/server.js";
import { recordingEngine } from "./helpers.js";

const T0 = "2026-03-10T12:00:00.000Z";
const PASSWORD = "correct horse battery staple";
const ADMIN = "console-auth-admin-token";

/** A cookie jar for inject(): keeps what Set-Cookie sent, like a browser on this host. */
class Jar {
  readonly cookies = new Map<string, string>();
  take(res: LightMyRequestResponse): void {
    for (const c of res.cookies) {
      if (c.value === "" || (c.maxAge !== undefined && c.maxAge <= 0)) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
  }
  get header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? "";

describe("operator console sign-in", () => {
  let store: ReguaStore;
  let app: FastifyInstance;
  let clock: ManualClock;

  beforeEach(async () => {
    clock = new ManualClock(T0);
    store = createSqliteStore({ file: ":memory:" });
    await store.migrate();
    const passwordHash = await hashPassword(PASSWORD);
    await store.operators.addOperator({
      id: "ana",
      name: "Ana",
      email: "ana@example.com",
      role: "operator",
      whatsapp: true,
      passwordHash,
      at: T0,
    });
    await store.operators.addOperator({
      id: "leo",
      name: "Leo",
      email: "leo@example.com",
      role: "operator",
      whatsapp: false,
      passwordHash,
      at: T0,
    });
    app = await buildServer({
      engine: recordingEngine(),
      store,
      clock,
      log: silentLogger,
      adminToken: ADMIN,
      channels: [],
      connectors: [],
      console: { store, config: ConsoleConfig.parse({}), secretKey: "console-auth-secret-key" },
    });
  });
  afterEach(async () => {
    await app.close();
    await store.close();
  });

  const signIn = async (email: string, password: string, jar = new Jar()) => {
    const form = await app.inject({ method: "GET", url: "/console/login" });
    jar.take(form);
    const res = await app.inject({
      method: "POST",
      url: "/console/login",
      headers: { cookie: jar.header, "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ email, password, _csrf: csrfOf(form.body) }).toString(),
    });
    jar.take(res);
    return { res, jar };
  };
  const get = (url: string, jar: Jar) =>
    app.inject({ method: "GET", url, headers: { cookie: jar.header, accept: "text/html" } });

  it("signs in with argon2id, sets a Secure HttpOnly SameSite=Strict __Host- cookie and stores only its hash", async () => {
    const stored = await store.operators.findOperatorForLogin("ana@example.com");
    expect(stored?.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const { res, jar } = await signIn("ANA@example.com", PASSWORD);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe("/console");
    const cookie = res.cookies.find((c) => c.name === "__Host-regua_console");
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    expect(cookie?.maxAge).toBe(12 * 3600);
    // The database knows the session only by the token's SHA-256.
    const { createHash } = await import("node:crypto");
    const hashed = createHash("sha256")
      .update(cookie?.value ?? "")
      .digest("hex");
    expect((await store.operators.getSession(hashed))?.operator.id).toBe("ana");
    expect(await store.operators.getSession(cookie?.value ?? "")).toBeNull();

    const home = await get("/console", jar);
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("<h1>Conversations</h1>");
    expect(home.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(home.headers["cache-control"]).toBe("no-store");
    const audit = await store.listAudit({ limit: 10 });
    expect(audit.map((a) => a.action)).toContain("console.login");
  });

  it("refuses a wrong password, an unknown e-mail and a missing CSRF token, and never shows the page", async () => {
    expect((await signIn("ana@example.com", "wrong password!")).res.statusCode).toBe(401);
    expect((await signIn("nobody@example.com", PASSWORD)).res.statusCode).toBe(401);
    const noToken = await app.inject({
      method: "POST",
      url: "/console/login",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ email: "ana@example.com", password: PASSWORD }).toString(),
    });
    expect(noToken.statusCode).toBe(403);
    const anonymous = await app.inject({ method: "GET", url: "/console", headers: { accept: "text/html" } });
    expect(anonymous.statusCode).toBe(303);
    expect(anonymous.headers.location).toBe("/console/login");
    const htmx = await app.inject({
      method: "GET",
      url: "/console/queue",
      headers: { "hx-request": "true" },
    });
    expect(htmx.statusCode).toBe(401);
    expect(htmx.headers["hx-redirect"]).toBe("/console/login");
    // The admin token does not open the console.
    const admin = await app.inject({
      method: "GET",
      url: "/console/queue",
      headers: { authorization: `Bearer ${ADMIN}` },
    });
    expect(admin.statusCode).toBe(401);
    const failures = (await store.listAudit({ limit: 10 })).filter(
      (a) => a.action === "console.login_failed",
    );
    expect(failures).toHaveLength(2);
    expect(JSON.stringify(failures)).not.toContain("wrong password");
  });

  it("locks an e-mail after repeated failures, even with the right password", async () => {
    for (let i = 0; i < 5; i++)
      expect((await signIn("ana@example.com", `bad-${i}-password`)).res.statusCode).toBe(401);
    expect((await signIn("ana@example.com", PASSWORD)).res.statusCode).toBe(429);
    clock.advance(15 * 60_000);
    expect((await signIn("ana@example.com", PASSWORD)).res.statusCode).toBe(303);
  });

  it("needs the session's CSRF token for every change", async () => {
    const { jar } = await signIn("ana@example.com", PASSWORD);
    const home = await get("/console", jar);
    const token = csrfOf(home.body);
    const toggle = (headers: Record<string, string>) =>
      app.inject({
        method: "POST",
        url: "/console/availability",
        headers: {
          cookie: jar.header,
          "content-type": "application/x-www-form-urlencoded",
          "hx-request": "true",
          ...headers,
        },
        payload: "available=true",
      });
    expect((await toggle({})).statusCode).toBe(403);
    // A token minted for another session (here: before sign-in) is refused too.
    const loginForm = await app.inject({
      method: "GET",
      url: "/console/login",
      headers: { cookie: `regua_console_csrf=${jar.cookies.get("regua_console_csrf")}` },
    });
    expect((await toggle({ "x-csrf-token": csrfOf(loginForm.body) })).statusCode).toBe(403);
    const ok = await toggle({ "x-csrf-token": token });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain("You are available");
    expect((await store.operators.getOperator("ana"))?.available).toBe(true);
  });

  it("ends a session after the idle timeout and after the absolute one, on the injected clock", async () => {
    const { jar } = await signIn("ana@example.com", PASSWORD);
    clock.advance(29 * 60_000);
    expect((await get("/console", jar)).statusCode).toBe(200);
    clock.advance(29 * 60_000); // active: the idle timer restarted at the last request
    expect((await get("/console", jar)).statusCode).toBe(200);
    clock.advance(31 * 60_000);
    expect((await get("/console", jar)).statusCode).toBe(303);

    const again = await signIn("ana@example.com", PASSWORD);
    for (let hour = 0; hour < 12 * 3; hour++) {
      clock.advance(20 * 60_000);
      const res = await get("/console", again.jar);
      if (hour < 12 * 3 - 1) expect(res.statusCode).toBe(200);
      else expect(res.statusCode).toBe(303); // 12 hours after sign-in, however active
    }
  });

  it("signs out: the session is gone from the store", async () => {
    const { jar } = await signIn("ana@example.com", PASSWORD);
    const token = csrfOf((await get("/console", jar)).body);
    const out = await app.inject({
      method: "POST",
      url: "/console/logout",
      headers: { cookie: jar.header, "content-type": "application/x-www-form-urlencoded" },
      payload: `_csrf=${encodeURIComponent(token)}`,
    });
    expect(out.statusCode).toBe(303);
    const old = new Jar();
    old.cookies.set(
      "__Host-regua_console",
      [...jar.cookies].find(([k]) => k.startsWith("__Host"))?.[1] ?? "",
    );
    expect((await get("/console", old)).statusCode).toBe(303);
  });

  it("keeps an operator without the WhatsApp permission out of the conversation screens", async () => {
    const { jar } = await signIn("leo@example.com", PASSWORD);
    const home = await get("/console", jar);
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain("no access to WhatsApp conversations");
    expect(home.body).not.toContain('href="/console">Conversations');
    expect((await get("/console/queue", jar)).statusCode).toBe(403);
    expect((await get("/console/events", jar)).statusCode).toBe(403);
  });

  it("serves the vendored htmx 2 and SSE extension, identical to the published packages", async () => {
    const require = createRequire(import.meta.url);
    for (const [asset, published] of [
      ["htmx.min.js", require.resolve("htmx.org/dist/htmx.min.js")],
      ["sse.min.js", require.resolve("htmx-ext-sse/dist/sse.min.js")],
    ] as const) {
      const res = await app.inject({ method: "GET", url: `/console/assets/${asset}` });
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toContain("text/javascript");
      expect(res.body).toBe(readFileSync(published, "utf8"));
    }
    expect(readFileSync(require.resolve("htmx.org/package.json"), "utf8")).toMatch(/"version": "2\./);
  });
});
