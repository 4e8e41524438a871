import { existsSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { Dataset } from "../generator.js";
import { activityPropertyName, buildCsn } from "./csn.js";
import type { EntityTypeElements, ServedTypeName } from "./edmx.js";
import { type InjectedFault, ServiceLayerFront } from "./front.js";
import metadataV1 from "./metadata-v1.json" with { type: "json" };
import metadataV2 from "./metadata-v2.json" with { type: "json" };
import { LOCAL_CURRENCY, type Row, seedRows, slDate } from "./seed.js";
import type { SlVersion } from "./wire.js";

export { convertEdmx } from "./edmx.js";
export { SL_CODES, type SlVersion } from "./wire.js";

export interface FakeServiceLayerOptions {
  seed: number;
  customers: number;
  /** "As of" date of the generated data (YYYY-MM-DD). */
  today: string;
  user: string;
  password: string;
  companyDb: string;
  /**
   * Which metadata CAP's model is converted from (SAPB1-v1.edmx or SAPB1-v2.edmx); default v2.
   * Both /b1s/v1 and /b1s/v2 are always served from the same data.
   */
  version?: SlVersion;
  /** Idle session timeout; the Service Layer's default is 30 minutes (Login answers it in minutes). */
  sessionTimeoutMs?: number;
  /** The clock sessions time out by (ms since the epoch); default the wall clock. */
  now?: () => number;
  /** AdminInfo.LocalCurrency as the company writes it; default "R$". */
  localCurrency?: string;
  /** Default page size without `Prefer: odata.maxpagesize`; the Service Layer's is 20. */
  pageSize?: number;
  invoicesPerCustomer?: number;
  /** Invoice UDF names; default U_BoletoLinha and U_PixCopiaCola. */
  udf?: { boletoLine?: string; pixCode?: string };
  /** Behave like an installation that refuses activity ↔ document links (error -5002). */
  rejectDocumentLinks?: boolean;
  port?: number;
}

export interface FakeServiceLayer {
  /** Base URL without /b1s/…, e.g. http://127.0.0.1:50123 */
  url: string;
  dataset: Dataset;
  close(): Promise<void>;
  /** Pays an invoice in full: an incoming payment plus the invoice closed, stamped now. */
  markPaid(docEntry: number, date: string): Promise<void>;
  /**
   * Closes an invoice with a credit note based on it; returns the credit note's DocEntry.
   * `touchInvoice: false` leaves the invoice's UpdateDate/UpdateTime alone, as some releases do.
   */
  issueCreditNote(docEntry: number, date: string, options?: { touchInvoice?: boolean }): Promise<number>;
  /**
   * Cancels an invoice as `POST Invoices(DocEntry)/Cancel` does: the invoice is closed with
   * Cancelled tYES / CancelStatus csYes, and a cancellation document (CancelStatus
   * csCancellation, closed) is added for the same partner and total; returns its DocEntry.
   */
  cancelInvoice(docEntry: number, date: string): Promise<number>;
  /** Removes a record outright (e.g. a document archived or purged in the company database). */
  remove(set: "BusinessPartners" | "Invoices", key: string | number): Promise<void>;
  /** Activities as CAP stores them (v2 property names when the model is v2). */
  activities(): Promise<Row[]>;
  /** Drops every session, as an idle timeout or a Service Layer restart does. */
  expireSessions(): void;
  /** The next requests (after login checks) fail with these Service Layer errors. */
  injectFaults(...faults: InjectedFault[]): void;
  /** Writes a row straight into CAP (malformed records for reject tests). */
  insert(set: "BusinessPartners" | "Invoices" | "CreditNotes" | "IncomingPayments", row: Row): Promise<void>;
  requests: ServiceLayerFront["requests"];
  stats(): { logins: number; logouts: number; sessions: number; unauthorized: number };
}

const METADATA: Record<SlVersion, Record<ServedTypeName, EntityTypeElements>> = {
  v1: metadataV1 as Record<ServedTypeName, EntityTypeElements>,
  v2: metadataV2 as Record<ServedTypeName, EntityTypeElements>,
};

function workerUrl(): URL {
  const js = new URL("./cap-worker.js", import.meta.url);
  // From source (vitest), the worker runs through Node's type stripping.
  return existsSync(fileURLToPath(js)) ? js : new URL("./cap-worker.ts", import.meta.url);
}

/** OINV / ORIN / OCRD are indexed on their change stamps in a company database; so are these. */
const STAMP_INDEXES = [
  "CREATE INDEX Invoices_stamp ON sapb1_Invoices (UpdateDate, UpdateTime, DocEntry)",
  "CREATE INDEX CreditNotes_stamp ON sapb1_CreditNotes (UpdateDate, UpdateTime, DocEntry)",
  "CREATE INDEX BusinessPartners_stamp ON sapb1_BusinessPartners (UpdateDate, UpdateTime, CardCode)",
  "CREATE INDEX Activities_card ON sapb1_Activities (CardCode)",
];

async function startCap(csn: unknown, rows: unknown): Promise<{ worker: Worker; port: number }> {
  const worker = new Worker(workerUrl(), { workerData: { csn, rows, sql: STAMP_INDEXES } });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("error", reject);
    worker.on("message", (m: { type: string; port?: number; message?: string }) => {
      if (m.type === "listening") resolve(m.port ?? 0);
      if (m.type === "error") reject(new Error(`CAP failed to start: ${m.message}`));
    });
  });
  return { worker, port };
}

export async function startFakeServiceLayer(options: FakeServiceLayerOptions): Promise<FakeServiceLayer> {
  const types = METADATA[options.version ?? "v2"];
  const udf = { boletoLine: "U_BoletoLinha", pixCode: "U_PixCopiaCola", ...options.udf };
  const { rows, dataset } = seedRows({ ...options, udf });
  const csn = buildCsn(types, { Invoices: [udf.boletoLine, udf.pixCode] });
  const { worker, port: capPort } = await startCap(csn, rows);
  let activityCode = 0;
  let paymentEntry = rows.IncomingPayments.length;
  let creditEntry = 0;
  /** Cancellation documents are numbered in the invoices' series, far above the seeded ones. */
  let cancellationEntry = 800_000;
  let lastStamp = [...rows.Invoices, ...rows.BusinessPartners].reduce<string>((max, r) => {
    const stamp = `${String(r.UpdateDate).slice(0, 10)}T${String(r.UpdateTime)}Z`;
    return stamp > max ? stamp : max;
  }, "");
  /** SAP stamps a change with the server's date and time; the fake keeps stamps increasing. */
  const nextStamp = (date: string): { UpdateDate: string; UpdateTime: string } => {
    const wanted = date.length > 10 ? new Date(date).toISOString() : `${date}T12:00:00.000Z`;
    const after = new Date(Date.parse(lastStamp) + 1000).toISOString();
    lastStamp = [wanted, after].sort()[1] as string; // ISO strings order as times do
    return { UpdateDate: slDate(lastStamp), UpdateTime: lastStamp.slice(11, 19) };
  };
  const front = new ServiceLayerFront({
    capUrl: `http://127.0.0.1:${capPort}/sl`,
    user: options.user,
    password: options.password,
    companyDb: options.companyDb,
    sessionTimeoutMs: options.sessionTimeoutMs ?? 30 * 60_000,
    pageSize: options.pageSize ?? 20,
    modelActivityName: activityPropertyName(types),
    rejectDocumentLinks: options.rejectDocumentLinks ?? false,
    nextActivityCode: () => ++activityCode,
    localCurrency: options.localCurrency ?? LOCAL_CURRENCY,
    now: options.now ?? Date.now,
  });
  const server = createServer((req, res) => {
    front.handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "-1", message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const invoice = async (docEntry: number): Promise<Row> => {
    const answer = await front.cap("GET", `Invoices(${docEntry})`);
    if (answer.status !== 200) throw new Error(`fake Service Layer: no invoice ${docEntry}`);
    return answer.body as Row;
  };
  const mustSucceed = async (method: string, path: string, body: unknown): Promise<void> => {
    const answer = await front.cap(method, path, body);
    if (answer.status >= 300)
      throw new Error(
        `fake Service Layer: ${method} ${path} → ${answer.status} ${JSON.stringify(answer.body)}`,
      );
  };

  return {
    url: `http://127.0.0.1:${port}`,
    dataset,
    requests: front.requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      worker.postMessage({ type: "close" });
      await worker.terminate();
    },
    async markPaid(docEntry, date) {
      const doc = await invoice(docEntry);
      const open = Number(doc.DocTotal) - Number(doc.PaidToDate);
      const stamp = nextStamp(date);
      await mustSucceed("POST", "IncomingPayments", {
        DocEntry: ++paymentEntry,
        DocNum: 500_000 + paymentEntry,
        DocDate: stamp.UpdateDate,
        CardCode: doc.CardCode,
        DocCurrency: doc.DocCurrency,
        CashSum: 0,
        TransferSum: open,
        Cancelled: "tNO",
        PaymentInvoices: [{ LineNum: 0, DocEntry: docEntry, SumApplied: open, InvoiceType: "it_Invoice" }],
      });
      await mustSucceed("PATCH", `Invoices(${docEntry})`, {
        PaidToDate: doc.DocTotal,
        DocumentStatus: "bost_Close",
        ...stamp,
      });
    },
    async issueCreditNote(docEntry, date, { touchInvoice = true } = {}) {
      const doc = await invoice(docEntry);
      const open = Number(doc.DocTotal) - Number(doc.PaidToDate);
      const stamp = nextStamp(date);
      const entry = ++creditEntry;
      await mustSucceed("POST", "CreditNotes", {
        DocEntry: entry,
        DocNum: 900_000 + entry,
        CardCode: doc.CardCode,
        DocDate: stamp.UpdateDate,
        DocDueDate: stamp.UpdateDate,
        DocTotal: open,
        PaidToDate: 0,
        DocCurrency: doc.DocCurrency,
        DocumentStatus: "bost_Close",
        Cancelled: "tNO",
        DocumentLines: [{ LineNum: 0, BaseType: 13, BaseEntry: docEntry, BaseLine: 0, LineTotal: open }],
        ...stamp,
      });
      await mustSucceed("PATCH", `Invoices(${docEntry})`, {
        DocumentStatus: "bost_Close",
        ...(touchInvoice ? stamp : {}),
      });
      return entry;
    },
    async cancelInvoice(docEntry, date) {
      const doc = await invoice(docEntry);
      const stamp = nextStamp(date);
      const entry = ++cancellationEntry;
      await mustSucceed("PATCH", `Invoices(${docEntry})`, {
        Cancelled: "tYES",
        CancelStatus: "csYes",
        DocumentStatus: "bost_Close",
        ...stamp,
      });
      await mustSucceed("POST", "Invoices", {
        DocEntry: entry,
        DocNum: entry,
        CardCode: doc.CardCode,
        DocDate: stamp.UpdateDate,
        DocDueDate: stamp.UpdateDate,
        DocTotal: doc.DocTotal,
        PaidToDate: 0,
        DocCurrency: doc.DocCurrency,
        DocumentStatus: "bost_Close",
        Cancelled: "tNO",
        CancelStatus: "csCancellation",
        Comments: `Based on A/R Invoice ${String(doc.DocNum)}. Cancelled.`,
        ...stamp,
      });
      return entry;
    },
    async remove(set, key) {
      const literal = typeof key === "number" ? String(key) : `'${key.replace(/'/g, "''")}'`;
      await mustSucceed("DELETE", `${set}(${literal})`, undefined);
    },
    async activities() {
      const answer = await front.cap("GET", "Activities?$orderby=ActivityCode");
      return (answer.body as { value: Row[] }).value;
    },
    expireSessions() {
      front.sessions.clear();
    },
    injectFaults(...faults) {
      front.faults.push(...faults);
    },
    async insert(set, row) {
      await mustSucceed("POST", set, row);
    },
    stats() {
      return {
        logins: front.logins,
        logouts: front.logouts,
        sessions: front.sessions.size,
        unauthorized: front.unauthorized,
      };
    },
  };
}
