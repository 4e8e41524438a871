import Fastify, { type FastifyReply, type FastifyRequest } from "fastify";
import { generateDataset } from "../generator.js";
import { registerApi } from "./api.js";
import { FakeCompany } from "./company.js";
import { datasetToCompany, type QboCompany, type QboInvoice, type QboPayment } from "./data.js";
import { FAULTS, fault, lowercaseAuthFault } from "./faults.js";
import { type FakeLimits, INTUIT_LIMITS, Throttle } from "./limits.js";
import { FakeOAuth } from "./oauth.js";
import { type EntityChange, signWebhook, type WebhookFormat, webhookBody } from "./webhooks.js";

export interface FakeQuickBooksOptions {
  seed: number;
  customers: number;
  /** The day the books are "as of" (YYYY-MM-DD). */
  today: string;
  invoicesPerCustomer?: number;
  realmId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Signs webhooks (the app's "Verifier Token"). */
  verifierToken?: string;
  /** Intuit's per-realm limits (default), other numbers, or false for none. */
  limits?: Partial<FakeLimits> | false;
  /** Access tokens live this long (Intuit: 3600 s). */
  accessTokenTtlSeconds?: number;
  /** `x_refresh_token_expires_in` of issued tokens (Intuit: 8,726,400 s); a small one plays a token near its end. */
  refreshTokenTtlSeconds?: number;
  /** Time the server takes per API request, so concurrency shows. Default 0. */
  latencyMs?: number;
  /** Time the token endpoint takes per call. Default 0. */
  tokenLatencyMs?: number;
  /** The server's clock (stamps, token expiry, limit windows). Default: the system clock. */
  now?: () => Date;
}

export interface SignedWebhook {
  headers: Record<string, string>;
  body: string;
}

export interface FakeQuickBooks {
  /** Where the API (/v3/company/…), the token endpoint and the authorize page live. */
  url: string;
  tokenUrl: string;
  authorizeUrl: string;
  realmId: string;
  clientId: string;
  clientSecret: string;
  verifierToken: string;
  /** The company's objects; tests may read them (use the helpers below to change them). */
  company: QboCompany;
  /** Every API request: method, URL (with the query string) and the status answered. */
  requests: { method: string; url: string; status: number }[];
  /** minorversion of each API request (null when absent). */
  minorVersions: (number | null)[];
  /** Token endpoint calls that issued tokens. */
  readonly tokensIssued: number;
  readonly throttled: number;
  /** Highest number of API requests in flight at once. */
  readonly peakConcurrency: number;
  /** Most API requests accepted within any one second / any one minute (sliding; limits on). */
  readonly peakPerSecond: number;
  readonly peakPerMinute: number;
  /** A valid refresh token, as the app holds after the user connected it. */
  issueRefreshToken(): string;
  /** The `x_refresh_token_expires_in` of tokens issued from now on. */
  setRefreshTokenTtl(seconds: number): void;
  /** The redirect after a user authorises the app (carries code, state and realmId). */
  authorize(redirectUri: string, state: string): string;
  /** Every access token issued so far expires now. */
  expireAccessTokens(): void;
  payInvoice(id: string, date: string, amount?: number): QboPayment;
  voidInvoice(id: string): QboInvoice;
  deleteInvoice(id: string): void;
  /** An edit in QuickBooks: the SyncToken and LastUpdatedTime move. */
  touchInvoice(id: string): QboInvoice;
  /** Copies `count` open invoices as new ones stamped now (for CDC's 1000-object cap). */
  addInvoices(count: number): QboInvoice[];
  /** The webhook Intuit would send for the changes since the last call, signed. */
  webhook(format: WebhookFormat, changes?: EntityChange[]): SignedWebhook;
  /** The next `times` API requests get `status` with a SystemFault. */
  failNext(times?: number, status?: number): void;
  /** The next `times` writes are applied, then answered 502 as if the answer was lost. */
  loseNextAnswer(times?: number): void;
  /** Another user saves this object just before the next write to it: that write gets 5010. */
  raceNextWrite(id: string): void;
  close(): Promise<void>;
}

/**
 * A fake QuickBooks Online over real HTTP on 127.0.0.1: one company (realm) seeded from the
 * generator, Intuit's OAuth 2.0 token endpoint with rotating refresh tokens, the v3 API with
 * the query grammar, CDC, sparse updates with SyncToken conflicts, requestid replay, batch,
 * invoice PDFs, both Fault shapes, per-realm throttling and signed webhooks in both formats.
 */
export async function startFakeQuickBooks(options: FakeQuickBooksOptions): Promise<FakeQuickBooks> {
  const now = () => (options.now ?? (() => new Date()))().getTime();
  const realmId = options.realmId ?? "9341453050071430";
  const clientId = options.clientId ?? "ABfakeClientId0123456789";
  const clientSecret = options.clientSecret ?? "fake-client-secret";
  const verifierToken = options.verifierToken ?? "fake-verifier-token";
  const dataset = generateDataset({
    seed: options.seed,
    customers: options.customers,
    today: options.today,
    ...(options.invoicesPerCustomer ? { invoicesPerCustomer: options.invoicesPerCustomer } : {}),
  });
  const company = new FakeCompany(datasetToCompany(dataset, options.today), realmId, now);
  const oauth = new FakeOAuth({
    clientId,
    clientSecret,
    realmId,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    ...(options.refreshTokenTtlSeconds === undefined
      ? {}
      : { refreshTokenTtlSeconds: options.refreshTokenTtlSeconds }),
    now,
    latencyMs: options.tokenLatencyMs ?? 0,
  });
  const limits = options.limits === false ? null : { ...INTUIT_LIMITS, ...options.limits };
  const throttle = new Throttle(limits, now);
  const requests: FakeQuickBooks["requests"] = [];
  const minorVersions: (number | null)[] = [];
  const failures: { status: number; remaining: number }[] = [];
  let baseUrl = "";

  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  oauth.register(app);
  const time = () => new Date(now()).toISOString();
  const admitted = new WeakSet<FastifyRequest>();

  app.addHook("onRequest", async (request: FastifyRequest, reply: FastifyReply) => {
    const realm = /^\/v3\/company\/([^/]+)\//.exec(request.url)?.[1];
    if (!realm) return;
    const auth = oauth.check(request.headers.authorization);
    if (auth.state === "expired") return reply.code(401).send(lowercaseAuthFault("Token expired", now()));
    if (auth.state === "unknown") {
      return reply.code(401).send(fault("AUTHENTICATION", FAULTS.authentication("Token invalid"), time()));
    }
    if (auth.realm !== realm)
      return reply.code(403).send(fault("AUTHORIZATION", FAULTS.authorization(), time()));
    if (!throttle.admit(realm)) return reply.code(429).send(fault("SERVICE", FAULTS.throttled(), time()));
    admitted.add(request);
    const failure = failures[0];
    if (failure) {
      failure.remaining -= 1;
      if (failure.remaining <= 0) failures.shift();
      const error = {
        Message: "An application error has occurred while processing your request",
        Detail: "System Failure Error",
        code: "10000",
      };
      return reply.code(failure.status).send(fault("SystemFault", error, time()));
    }
    if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
  });
  app.addHook("onResponse", async (request: FastifyRequest, reply: FastifyReply) => {
    if (!request.url.startsWith("/v3/")) return;
    requests.push({ method: request.method, url: request.url, status: reply.statusCode });
    const realm = /^\/v3\/company\/([^/]+)\//.exec(request.url)?.[1];
    if (realm && admitted.has(request)) throttle.release(realm);
  });
  // Every answer carries the transaction id Intuit support asks for.
  app.addHook("onSend", async (_request, reply, payload) => {
    reply.header("intuit_tid", `1-${Math.floor(now() / 1000).toString(16)}-${requests.length}`);
    return payload;
  });

  const loseAnswers = { remaining: 0 };
  registerApi(app, { company, baseUrl: () => baseUrl, now, replies: new Map(), minorVersions, loseAnswers });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fake QuickBooks: no TCP address");
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    url: baseUrl,
    tokenUrl: `${baseUrl}/oauth2/v1/tokens/bearer`,
    authorizeUrl: `${baseUrl}/connect/oauth2`,
    realmId,
    clientId,
    clientSecret,
    verifierToken,
    company: company.data,
    requests,
    minorVersions,
    get tokensIssued() {
      return oauth.issued;
    },
    get throttled() {
      return throttle.throttled;
    },
    get peakConcurrency() {
      return throttle.peakActive;
    },
    get peakPerSecond() {
      return throttle.peakSecond;
    },
    get peakPerMinute() {
      return throttle.peakMinute;
    },
    issueRefreshToken: () => oauth.issueRefreshToken(),
    setRefreshTokenTtl(seconds) {
      oauth.refreshTokenTtlSeconds = seconds;
    },
    authorize: (redirectUri, state) => oauth.authorize(redirectUri, state),
    expireAccessTokens: () => oauth.expireAll(),
    payInvoice: (id, date, amount) => company.pay(id, date, amount),
    voidInvoice: (id) => company.void(id),
    deleteInvoice: (id) => company.delete("Invoice", id),
    touchInvoice(id) {
      const invoice = company.invoice(id);
      company.touch("Invoice", invoice, "Update");
      return invoice;
    },
    addInvoices(count) {
      const open = company.data.Invoice.filter((i) => i.Balance > 0);
      const added: QboInvoice[] = [];
      let next = Math.max(...company.data.Invoice.map((i) => Number(i.Id))) + 1;
      for (let k = 0; k < count; k++) {
        const model = open[k % open.length] as QboInvoice;
        const iso = company.nextStamp();
        const copy: QboInvoice = structuredClone(model);
        Object.assign(copy, {
          Id: String(next),
          DocNumber: String(200_000 + next),
          SyncToken: "0",
          LinkedTxn: [],
        });
        copy.MetaData = { CreateTime: iso, LastUpdatedTime: iso };
        company.data.Invoice.push(copy);
        added.push(copy);
        next += 1;
      }
      return added;
    },
    webhook(format, changes) {
      const list = changes ?? company.pending.splice(0);
      const body = webhookBody(format, list);
      return {
        headers: { "content-type": "application/json", "intuit-signature": signWebhook(body, verifierToken) },
        body,
      };
    },
    failNext(times = 1, status = 503) {
      failures.push({ status, remaining: times });
    },
    loseNextAnswer(times = 1) {
      loseAnswers.remaining += times;
    },
    raceNextWrite(id) {
      company.racing.add(id);
    },
    close: () => app.close(),
  };
}
