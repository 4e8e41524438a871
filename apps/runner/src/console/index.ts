import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import cookie from "@fastify/cookie";
import csrf from "@fastify/csrf-protection";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { sendInConversation } from "../conversations/send.js";
import type { ReportsConfig } from "../reports/schema.js";
import { channelMap, registerConversationActions } from "./actions.js";
import { registerAuthRoutes, registerLogout, requireSession } from "./auth.js";
import { registerBatch } from "./batch.js";
import type { ConsoleContext, ConsoleDeps } from "./context.js";
import { registerConversationScreens } from "./conversation.js";
import { registerCustomerPage } from "./customer.js";
import { registerHome } from "./home.js";
import { ConversationFeed, registerLive } from "./live.js";
import { registerConsoleReports } from "./reports.js";
import { ConsoleRouter, OUTSIDE_HOURS_NOTICE } from "./router.js";
import { ConsoleSessions, type SignedIn } from "./sessions.js";

export type { ConsoleStore } from "./context.js";
export { ConsoleConfig } from "./schema.js";

export interface ConsoleOptions extends ConsoleDeps {
  /** The runner's secretKey: the CSRF tokens' HMAC key is derived from it. */
  secretKey: string;
  /** How often the live screens poll the change feed for other processes' changes. Default 2000. */
  feedPollMs?: number;
  /** How often waiting conversations are offered to available operators (besides every change). Default 10000. */
  routeEveryMs?: number;
  /** `reports.prices`: what a billable message costs, for the console's reports. */
  prices?: ReportsConfig["prices"];
}

/** htmx 2 and its SSE extension, vendored in the package (assets/console): no build step, no CDN. */
const ASSETS = ["htmx.min.js", "sse.min.js"] as const;
const assetFile = (name: string) => new URL(`../../assets/console/${name}`, import.meta.url);

/**
 * The operator console at /console (docs/console.md): server-rendered HTML with htmx, one scope
 * with its own body parsers (form fields, file uploads), cookies and CSRF protection.
 */
export async function registerConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  await app.register(async (scope) => {
    // The root parses every body as bytes (webhook signatures); the console reads forms.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      "application/x-www-form-urlencoded",
      { parseAs: "string", bodyLimit: 1024 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    await scope.register(multipart, {
      limits: { files: 1, fileSize: options.config.uploadMaxBytes, fields: 10 },
    });
    await scope.register(cookie);
    const signedIn = new WeakMap<FastifyRequest, SignedIn>();
    const userInfo = (req: FastifyRequest) => signedIn.get(req)?.session.csrfSecret ?? "anonymous";
    await scope.register(csrf, {
      sessionPlugin: "@fastify/cookie",
      cookieKey: "regua_console_csrf",
      cookieOpts: {
        path: "/console",
        sameSite: "strict",
        httpOnly: true,
        secure: options.config.session.secureCookie,
      },
      getUserInfo: userInfo,
      csrfOpts: {
        userInfo: true,
        hmacKey: createHmac("sha256", options.secretKey).update("regua console csrf").digest("hex"),
      },
    });

    const feed = new ConversationFeed(options.store, options.log, options.feedPollMs ?? 2000);
    const ctx: ConsoleContext = {
      ...options,
      sessions: new ConsoleSessions(options.store.operators, options.clock, options.config.session),
      who(req) {
        const found = signedIn.get(req);
        if (!found) throw new Error("console route without a session (the onRequest hook did not run)");
        return found;
      },
      csrfToken: (req, reply) => reply.generateCsrf({ userInfo: userInfo(req) }),
      now: () => options.clock.now().toISOString(),
      async audit(req, action, subject, detail = {}) {
        await options.store.appendAudit({
          at: options.clock.now().toISOString(),
          actor: `operator:${ctx.who(req).operator.id}`,
          action,
          subject,
          detail,
        });
      },
    };

    // Scripts only from here (the vendored htmx); no framing; forms post only back here.
    scope.addHook("onSend", async (_req, reply) => {
      reply.header(
        "content-security-policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
      );
      reply.header("x-content-type-options", "nosniff");
      reply.header("referrer-policy", "same-origin");
    });
    for (const name of ASSETS) {
      const body = readFileSync(assetFile(name));
      scope.get(`/console/assets/${name}`, async (_req, reply) =>
        reply
          .type("text/javascript; charset=utf-8")
          .header("cache-control", "public, max-age=86400")
          .send(body),
      );
    }
    registerAuthRoutes(scope, ctx);
    const router = new ConsoleRouter(ctx, async (conversation, text) => {
      await sendInConversation(
        { store: options.store, channels: channelMap(ctx), clock: options.clock },
        conversation,
        { kind: "text", text, payload: { notice: OUTSIDE_HOURS_NOTICE } },
        "console",
      );
    });
    scope.addHook("onReady", async () => router.start(feed, options.routeEveryMs ?? 10_000));
    scope.addHook("onClose", async () => {
      await router.stop();
      feed.stop();
    });
    await scope.register(async (secured) => {
      secured.addHook("onRequest", requireSession(ctx, signedIn));
      secured.addHook("onSend", async (_req, reply) => {
        reply.header("cache-control", "no-store");
      });
      registerLogout(secured, ctx);
      registerHome(secured, ctx);
      registerLive(secured, ctx, feed);
      registerConversationScreens(secured, ctx);
      registerConversationActions(secured, ctx);
      registerCustomerPage(secured, ctx);
      registerBatch(secured, ctx);
      registerConsoleReports(secured, ctx, options.prices);
    });
  });
}
