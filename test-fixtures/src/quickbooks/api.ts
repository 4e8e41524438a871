import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { FakeCompany, Outcome } from "./company.js";
import { FAULTS, fault } from "./faults.js";

/**
 * The v3 accounting API routes under /v3/company/<realmId>/ (developer.intuit.com → API
 * reference): query, cdc, read, create/update (sparse, SyncToken), void/delete operations,
 * batch (at most 30 items), the invoice PDF and `include=invoiceLink`. Writes carrying a
 * `requestid` query parameter are answered once and replayed for the same id, as Intuit
 * documents for idempotent retries.
 */
const BATCH_MAX = 30;
/** InvoiceLink is returned from this minor version on (Invoice reference, InvoiceLink). */
const INVOICE_LINK_MINOR = 36;

type Query = Record<string, string | undefined>;

export interface ApiState {
  company: FakeCompany;
  baseUrl: () => string;
  now: () => number;
  /** Replayed answers by requestid. */
  replies: Map<string, { status: number; body: unknown }>;
  /** minorversion of each request, in order. */
  minorVersions: (number | null)[];
  /** Writes whose answer is lost after they were applied (the client sees a 502). */
  loseAnswers: { remaining: number };
}

function timeOf(state: ApiState): string {
  return new Date(state.now()).toISOString();
}

function send(state: ApiState, reply: FastifyReply, outcome: Outcome) {
  const time = timeOf(state);
  if (outcome.ok) return reply.code(200).send({ ...outcome.body, time });
  const type = outcome.status === 400 ? "ValidationFault" : "SystemFault";
  return reply.code(outcome.status).send(fault(type, outcome.fault, time));
}

function withInvoiceLink(state: ApiState, outcome: Outcome, query: Query): Outcome {
  const minor = Number(query.minorversion ?? 0);
  if (!outcome.ok || query.include !== "invoiceLink" || minor < INVOICE_LINK_MINOR) return outcome;
  const invoice = outcome.body.Invoice as { Id: string; Balance: number } | undefined;
  if (!invoice || invoice.Balance <= 0) return outcome;
  const link = `${state.baseUrl()}/app/pay/${state.company.realmId}/scs-v1-${invoice.Id}`;
  return { ok: true, body: { Invoice: { ...invoice, InvoiceLink: link } } };
}

function pdfOf(docNumber: string): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% Invoice ${docNumber}\ntrailer << /Root 1 0 R >>\n%%EOF\n`,
    "latin1",
  );
}

type BatchItem = Record<string, unknown> & { bId?: string; operation?: string; Query?: string };

function batchItem(state: ApiState, item: BatchItem): Record<string, unknown> {
  const bId = item.bId ?? "";
  let outcome: Outcome;
  if (typeof item.Query === "string") {
    outcome = state.company.query(item.Query);
  } else {
    const key = Object.keys(item).find((k) => state.company.entityName(k));
    const entity = key ? state.company.entityName(key) : undefined;
    if (!entity || !key)
      return {
        bId,
        Fault: { Error: [FAULTS.invalid("no entity in the batch item")], type: "ValidationFault" },
      };
    const op = item.operation === "create" || item.operation === "update" ? undefined : item.operation;
    outcome = state.company.write(entity, item[key] as Record<string, unknown>, op);
  }
  if (outcome.ok) return { bId, ...outcome.body };
  return { bId, Fault: { Error: [outcome.fault], type: "ValidationFault" } };
}

export function registerApi(app: FastifyInstance, state: ApiState): void {
  const prefix = "/v3/company/:realm";
  type R = FastifyRequest<{ Params: { realm: string; entity?: string; id?: string }; Querystring: Query }>;

  app.addHook("preHandler", async (request: FastifyRequest) => {
    if (!request.url.startsWith("/v3/")) return;
    const minor = (request.query as Query).minorversion;
    state.minorVersions.push(minor === undefined ? null : Number(minor));
  });

  app.get(`${prefix}/query`, async (request: R, reply) =>
    send(state, reply, state.company.query(request.query.query ?? "")),
  );

  // GET /preferences (Preferences reference): the home currency for multicurrency companies.
  app.get(`${prefix}/preferences`, async (_request, reply) =>
    send(state, reply, {
      ok: true,
      body: {
        Preferences: { CurrencyPrefs: { MultiCurrencyEnabled: true, HomeCurrency: { value: "BRL" } } },
      },
    }),
  );

  app.get(`${prefix}/cdc`, async (request: R, reply) =>
    send(state, reply, state.company.cdc(request.query.entities ?? "", request.query.changedSince ?? "")),
  );

  app.get(`${prefix}/:entity/:id`, async (request: R, reply) => {
    const entity = state.company.entityName(request.params.entity ?? "");
    if (!entity)
      return send(state, reply, { ok: false, status: 400, fault: FAULTS.invalid("unknown entity") });
    return send(
      state,
      reply,
      withInvoiceLink(state, state.company.read(entity, request.params.id ?? ""), request.query),
    );
  });

  app.get(`${prefix}/invoice/:id/pdf`, async (request: R, reply) => {
    const found = state.company.read("Invoice", request.params.id ?? "");
    if (!found.ok) return send(state, reply, found);
    const invoice = found.body.Invoice as { DocNumber: string };
    return reply.code(200).header("content-type", "application/pdf").send(pdfOf(invoice.DocNumber));
  });

  app.post(`${prefix}/batch`, async (request: R, reply) => {
    const items = (request.body as { BatchItemRequest?: BatchItem[] } | null)?.BatchItemRequest;
    if (!Array.isArray(items) || items.length === 0 || items.length > BATCH_MAX) {
      const detail = `BatchItemRequest must hold 1 to ${BATCH_MAX} items`;
      return send(state, reply, {
        ok: false,
        status: 400,
        fault: FAULTS.invalid(detail, "BatchItemRequest"),
      });
    }
    return replay(state, request.query.requestid, reply, () => ({
      status: 200,
      body: { BatchItemResponse: items.map((item) => batchItem(state, item)), time: timeOf(state) },
    }));
  });

  app.post(`${prefix}/:entity`, async (request: R, reply) => {
    const entity = state.company.entityName(request.params.entity ?? "");
    if (!entity)
      return send(state, reply, { ok: false, status: 400, fault: FAULTS.invalid("unknown entity") });
    const body = (request.body ?? {}) as Record<string, unknown>;
    return replay(state, request.query.requestid, reply, () => {
      const outcome = state.company.write(entity, body, request.query.operation);
      const time = timeOf(state);
      return outcome.ok
        ? { status: 200, body: { ...outcome.body, time } }
        : { status: outcome.status, body: fault("ValidationFault", outcome.fault, time) };
    });
  });
}

/** The same requestid gets the first answer again, and the write is not applied twice. */
function replay(
  state: ApiState,
  requestId: string | undefined,
  reply: FastifyReply,
  run: () => { status: number; body: unknown },
) {
  const key = requestId ? `${state.company.realmId}:${requestId}` : null;
  const known = key ? state.replies.get(key) : undefined;
  const answer = known ?? run();
  if (key && !known) state.replies.set(key, answer);
  if (state.loseAnswers.remaining > 0) {
    state.loseAnswers.remaining -= 1;
    const lost = { Message: "Bad Gateway", Detail: "the answer was lost after the write", code: "10000" };
    return reply.code(502).send(fault("SystemFault", lost, timeOf(state)));
  }
  return reply.code(answer.status).send(answer.body);
}
