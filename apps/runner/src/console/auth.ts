import { fromZodError } from "@regua/core";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { type ConsoleContext, formFields } from "./context.js";
import { html, page } from "./html.js";
import { checkPassword } from "./passwords.js";
import { sessionCookieName } from "./sessions.js";

const LoginForm = z.strictObject({
  email: z.string().trim().min(3).max(320),
  password: z.string().min(1).max(1024),
  _csrf: z.string().optional(),
});

const FAILURE_WINDOW_MS = 15 * 60_000;

function loginPage(csrfToken: string, problem: string | null): string {
  return page({
    title: "Sign in",
    csrfToken,
    body: html`<div class="panel" style="max-width:420px;margin:40px auto">
      <h1>Sign in to the operator console</h1>
      ${problem ? html`<p class="error" role="alert">${problem}</p>` : null}
      <form method="post" action="/console/login">
        <input type="hidden" name="_csrf" value="${csrfToken}">
        <label for="email">E-mail</label>
        <input id="email" name="email" type="email" autocomplete="username" required autofocus style="width:100%">
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required style="width:100%">
        <p><button type="submit">Sign in</button></p>
      </form>
    </div>`,
  });
}

/** /console/login and /console/logout; the sign-in form is CSRF-protected and rate-limited. */
export function registerAuthRoutes(app: FastifyInstance, c: ConsoleContext): void {
  const cookie = sessionCookieName(c.config.session.secureCookie);
  // Failed sign-ins per e-mail on the injected clock; bounded so rotating e-mails cannot grow memory.
  const failures = new LRUCache<string, { count: number; since: number }>({ max: 10_000 });
  const failuresOf = (email: string) => {
    const entry = failures.get(email);
    if (!entry || c.clock.now().getTime() - entry.since >= FAILURE_WINDOW_MS) return null;
    return entry;
  };

  app.get("/console/login", async (req, reply) => {
    const signedIn = await c.sessions.resolve(req.cookies[cookie]);
    if (signedIn) return reply.redirect("/console", 303);
    return reply.type("text/html; charset=utf-8").send(loginPage(c.csrfToken(req, reply), null));
  });

  app.post(
    "/console/login",
    {
      preHandler: app.csrfProtection,
      config: { rateLimit: { max: c.config.login.attemptsPerMinute, timeWindow: 60_000 } },
    },
    async (req, reply) => {
      const form = LoginForm.safeParse(formFields(req.body));
      if (!form.success) {
        return reply
          .code(400)
          .type("text/html; charset=utf-8")
          .send(loginPage(c.csrfToken(req, reply), fromZodError(form.error, "form").message));
      }
      const email = form.data.email.toLowerCase();
      const refuse = async (problem: string, status: number) => {
        await c.store.appendAudit({
          at: c.now(),
          actor: "console",
          action: "console.login_failed",
          subject: email,
          detail: { ip: req.ip, reason: problem },
        });
        return reply
          .code(status)
          .type("text/html; charset=utf-8")
          .send(loginPage(c.csrfToken(req, reply), problem));
      };
      const failed = failuresOf(email);
      if (failed && failed.count >= c.config.login.failuresPerEmail) {
        return refuse("Too many failed attempts for this e-mail; try again in 15 minutes.", 429);
      }
      const found = await c.store.operators.findOperatorForLogin(email);
      const ok = await checkPassword(found?.passwordHash ?? null, form.data.password);
      if (!found || !ok || found.operator.disabled) {
        const now = c.clock.now().getTime();
        failures.set(email, { count: (failed?.count ?? 0) + 1, since: failed?.since ?? now });
        return refuse("E-mail or password is wrong.", 401);
      }
      failures.delete(email);
      const { token } = await c.sessions.start(found.operator.id);
      reply.setCookie(cookie, token, {
        path: "/",
        httpOnly: true,
        sameSite: "strict",
        secure: c.config.session.secureCookie,
        maxAge: c.sessions.maxAgeSeconds,
      });
      await c.store.appendAudit({
        at: c.now(),
        actor: `operator:${found.operator.id}`,
        action: "console.login",
        subject: found.operator.id,
        detail: { ip: req.ip },
      });
      return reply.redirect("/console", 303);
    },
  );
}

/**
 * onRequest for every other /console route: no valid session → the sign-in page (htmx requests
 * get HX-Redirect, the event stream a 401).
 */
export function requireSession(c: ConsoleContext, signedIn: WeakMap<FastifyRequest, unknown>) {
  const cookie = sessionCookieName(c.config.session.secureCookie);
  return async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    const found = await c.sessions.resolve(req.cookies[cookie]);
    if (found) {
      signedIn.set(req, found);
      return undefined;
    }
    if (req.headers["hx-request"] === "true") {
      return reply.code(401).header("hx-redirect", "/console/login").send();
    }
    if (req.method === "GET" && req.headers.accept?.includes("text/html")) {
      return reply.redirect("/console/login", 303);
    }
    return reply.code(401).send({ error: "sign in at /console/login" });
  };
}

/** Inside the signed-in scope: ends the session and drops the cookie. */
export function registerLogout(app: FastifyInstance, c: ConsoleContext): void {
  const cookie = sessionCookieName(c.config.session.secureCookie);
  app.post("/console/logout", { preHandler: app.csrfProtection }, async (req, reply) => {
    await c.sessions.end(req.cookies[cookie]);
    reply.clearCookie(cookie, { path: "/", secure: c.config.session.secureCookie });
    await c.audit(req, "console.logout", c.who(req).operator.id);
    return reply.redirect("/console/login", 303);
  });
}
